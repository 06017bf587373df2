@echo off
rem Double-click to install the Service add-in for this Windows user (runs install.ps1 beside it).
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
pause
