# Removes what install.ps1 made: the environment, and the INTERPRETER_WIN line of the user's
# xlwings.conf when it points into that environment. Workbooks and reports are not touched.
#   powershell -ExecutionPolicy Bypass -File uninstall.ps1 [-Target C:\ServiceAddin]
param([string]$Target = "C:\ServiceAddin")
$ErrorActionPreference = "Stop"
$venv = Join-Path $Target ".venv"
if (Test-Path $venv) {
    Remove-Item -Recurse -Force $venv
    Write-Host "Removed $venv."
} else {
    Write-Host "$venv does not exist: nothing to remove."
}
$conf = Join-Path $env:USERPROFILE ".xlwings\xlwings.conf"
if (Test-Path $conf) {
    $mine = '^\s*"INTERPRETER_WIN"\s*,\s*"' + [regex]::Escape($venv) + '\\'
    $lines = @(Get-Content $conf)
    $kept = @($lines | Where-Object { $_ -notmatch $mine })
    if ($kept.Count -ne $lines.Count) {
        Copy-Item $conf "$conf.bak" -Force
        $ansi = [System.Text.Encoding]::GetEncoding([System.Globalization.CultureInfo]::CurrentCulture.TextInfo.ANSICodePage)
        [System.IO.File]::WriteAllLines($conf, [string[]]$kept, $ansi)
        Write-Host "Removed INTERPRETER_WIN from $conf (previous file: $conf.bak)."
    }
}
Write-Host "Uninstalled. Service.xlsm and its reports are still where you keep them."
