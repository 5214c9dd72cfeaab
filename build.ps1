<#
.SYNOPSIS
    Builds, tests, documents and packages SmtpTools (PowerShell 7).

.DESCRIPTION
    One small script with tasks named for what you want. The real build is 'dotnet build', which assembles the
    importable module folder out/SmtpTools/<version>/ from an explicit allow-list of files; this script drives it.

.PARAMETER Task
    Build (default): assemble out/SmtpTools/<version>/.
    Test: build, start the private Postfix + Dovecot test server, run every xunit test and the Pester suite, stop the server.
    Docs: export markdown help from the built module with platyPS, where platyPS is installed.
    Package: build in Release and produce out/SmtpTools.<version>.nupkg, the file Publish-PSResource uploads.
    Clean: remove out/ and every bin/ and obj/ folder.

.PARAMETER Configuration
    Debug or Release. Package always uses Release.

.EXAMPLE
    ./build.ps1
    Import-Module ./out/SmtpTools/*/SmtpTools.psd1

.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$server = Join-Path $root 'tests/server/smtp-test-server.sh'

function Invoke-Native {
    param([string] $FilePath, [string[]] $ArgumentList)
    Write-Verbose "$FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-ModuleVersion {
    [xml] $props = Get-Content -Raw -Path (Join-Path $root 'Directory.Build.props')
    return $props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
}

function Invoke-Build {
    param([string] $Config = $Configuration)
    Invoke-Native dotnet @('build', (Join-Path $root 'SmtpTools.slnx'), '-c', $Config, '--nologo')
    $manifest = Join-Path $root "out/SmtpTools/$(Get-ModuleVersion)/SmtpTools.psd1"
    Test-ModuleManifest -Path $manifest | Out-Null
    Write-Host "Module ready: $manifest"
}

function Invoke-Test {
    Invoke-Build
    if (-not $IsLinux) {
        Write-Warning 'The test server (Postfix + Dovecot) runs on Debian-like Linux only; tests that need it will fail elsewhere.'
    }

    Invoke-Native bash @($server, 'start')
    try {
        Invoke-Native dotnet @('test', (Join-Path $root 'SmtpTools.slnx'), '-c', $Configuration, '--no-build', '--nologo')
        # 5.1 brought -ForEach data-driven tests, which the suites use.
        if (Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.1.0') {
            $config = New-PesterConfiguration
            $config.Run.Path = Join-Path $root 'tests/pester'
            $config.Run.Throw = $true
            $config.Output.Verbosity = 'Detailed'
            Invoke-Pester -Configuration $config
        }
        else {
            Write-Warning 'Pester 5.1 or later is not installed: skipping tests/pester (Install-PSResource Pester).'
        }
    }
    finally {
        & bash $server stop
    }
}

function Invoke-Docs {
    if (-not (Get-Module -ListAvailable -Name platyPS)) {
        throw 'platyPS is not installed (Install-PSResource platyPS). The MAML in en-US/ is the source of help; Docs only exports markdown from it.'
    }

    Invoke-Build
    $manifest = Join-Path $root "out/SmtpTools/$(Get-ModuleVersion)/SmtpTools.psd1"
    Import-Module $manifest -Force
    Import-Module platyPS
    $docs = Join-Path $root 'docs'
    New-MarkdownHelp -Module SmtpTools -OutputFolder $docs -Force -WithModulePage | Out-Null
    Write-Host "Markdown help written to $docs"
}

function Invoke-Package {
    Invoke-Native dotnet @('build', (Join-Path $root 'SmtpTools.slnx'), '-c', 'Release', '--nologo')
    Invoke-Native dotnet @('pack', (Join-Path $root 'src/SmtpTools.Package/SmtpTools.Package.csproj'), '-c', 'Release', '--nologo', '-o', (Join-Path $root 'out'))
    Get-ChildItem -Path (Join-Path $root 'out') -Filter 'SmtpTools.*.nupkg'
}

function Invoke-Clean {
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue -Path (Join-Path $root 'out')
    Get-ChildItem -Path $root -Directory -Recurse -Include bin, obj |
        Where-Object FullName -NotMatch '[\\/]\.git[\\/]' |
        Remove-Item -Recurse -Force
}

foreach ($name in $Task) {
    Write-Host "== $name" -ForegroundColor Cyan
    switch ($name) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Docs' { Invoke-Docs }
        'Package' { Invoke-Package }
        'Clean' { Invoke-Clean }
    }
}
