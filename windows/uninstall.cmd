@echo off
rem Double-click to remove the Service add-in's Python environment (runs uninstall.ps1 beside it).
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0uninstall.ps1" %*
pause
