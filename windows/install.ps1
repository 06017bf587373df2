# Installs the Service add-in for the current Windows user, from the release folder this script
# sits in: a Python environment with the wheel, and the interpreter's path in the user's
# %USERPROFILE%\.xlwings\xlwings.conf, where Service.xlsm's xlwings module looks for it.
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-Target C:\ServiceAddin] [-Python C:\...\python.exe]
param(
    [string]$Target = "C:\ServiceAddin",
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path

function Fail([string]$message) {
    Write-Host "ERROR: $message" -ForegroundColor Red
    exit 1
}

$wheel = Get-ChildItem -Path $here -Filter "service_addin-*.whl" | Sort-Object Name | Select-Object -Last 1
if (-not $wheel) { Fail "No service_addin-*.whl beside install.ps1: run it from the release folder." }

# Python 3.11 or later from python.org: the py launcher first, then python on the PATH.
if (-not $Python) {
    if (Get-Command py -ErrorAction SilentlyContinue) {
        $Python = (& py -3 -c "import sys; print(sys.executable)").Trim()
    } elseif (Get-Command python -ErrorAction SilentlyContinue) {
        $Python = (& python -c "import sys; print(sys.executable)").Trim()
    } else {
        Fail "Python was not found. Install Python 3.11 or later (64-bit) from https://www.python.org and run this again."
    }
}
if ($Python -like "*\WindowsApps\*") {
    Fail "$Python is the Microsoft Store Python: Excel cannot start its COM server. Install Python from python.org and run this again (or pass -Python C:\...\python.exe)."
}
& $Python -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)"
if ($LASTEXITCODE -ne 0) { Fail "$Python is older than Python 3.11." }

$venv = Join-Path $Target ".venv"
Write-Host "Creating the environment $venv ..."
& $Python -m venv $venv
if ($LASTEXITCODE -ne 0) { Fail "python -m venv $venv failed." }
$venvPython = Join-Path $venv "Scripts\python.exe"
$pythonw = Join-Path $venv "Scripts\pythonw.exe"

Write-Host "Installing $($wheel.Name) and its dependencies (xlwings 0.37.8, pandas, ...) ..."
& $venvPython -m pip install --disable-pip-version-check --quiet $wheel.FullName
if ($LASTEXITCODE -ne 0) { Fail "pip install $($wheel.Name) failed (no internet access? a proxy?)." }

& (Join-Path $venv "Scripts\service-addin.exe") --version
if ($LASTEXITCODE -ne 0) { Fail "service-addin --version failed in $venv." }
& $venvPython -c "import addin.xl.entry, addin.udfs, xlwings; print('xlwings', xlwings.__version__)"
if ($LASTEXITCODE -ne 0) { Fail "The add-in's entry points do not import in $venv." }

# xlwings reads "KEY","value" lines with VBA's Input #: keep the user's other settings, replace
# INTERPRETER_WIN, and write in the ANSI code page that VBA reads.
$confDir = Join-Path $env:USERPROFILE ".xlwings"
$conf = Join-Path $confDir "xlwings.conf"
New-Item -ItemType Directory -Force -Path $confDir | Out-Null
$lines = @()
if (Test-Path $conf) {
    Copy-Item $conf "$conf.bak" -Force
    $lines = @(Get-Content $conf | Where-Object { $_ -notmatch '^\s*"INTERPRETER_WIN"\s*,' })
}
$lines += '"INTERPRETER_WIN","' + $pythonw + '"'
$ansi = [System.Text.Encoding]::GetEncoding([System.Globalization.CultureInfo]::CurrentCulture.TextInfo.ANSICodePage)
[System.IO.File]::WriteAllLines($conf, [string[]]$lines, $ansi)

Write-Host ""
Write-Host "Installed. Interpreter_Win = $pythonw (in $conf)." -ForegroundColor Green
Write-Host "Copy Service.xlsm to a local or trusted folder, open it and click Enable Content."
