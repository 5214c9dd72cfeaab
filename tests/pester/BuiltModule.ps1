<#
.SYNOPSIS
    Finds the module folder the build assembled, for the Pester suites to import.

.DESCRIPTION
    Dot-source this file, then:  Import-Module (Get-BuiltSmtpToolsManifest) -Force
    The suites test what users install: out/SmtpTools/<version>/SmtpTools.psd1, made by ./build.ps1 (or dotnet build).
#>

function Get-BuiltSmtpToolsManifest {
    [CmdletBinding()]
    [OutputType([string])]
    param()

    $out = Join-Path -Path $PSScriptRoot -ChildPath '../../out/SmtpTools'
    $manifest = Get-ChildItem -Path $out -Filter 'SmtpTools.psd1' -Recurse -ErrorAction SilentlyContinue |
        Sort-Object -Property { [version] $_.Directory.Name } -Descending |
        Select-Object -First 1
    if (-not $manifest) {
        throw "No built module under $out. Build it first: ./build.ps1"
    }

    return $manifest.FullName
}
