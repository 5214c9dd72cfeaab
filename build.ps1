#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests, documents and packages SmtpTools (PowerShell 7).

.DESCRIPTION
    One small script with tasks named for what you want. The real build is 'dotnet build', which assembles the
    importable module folder out/SmtpTools/<version>/ from an explicit allow-list of files; this script drives it.

.PARAMETER Task
    Build (default): assemble out/SmtpTools/<version>/.
    Test: run tests/run.sh, the README's test command and CI's: build, start the private Postfix + Dovecot test server
    (Debian/Ubuntu, root) unless it already runs, every xunit test, the Pester suite in pwsh 7.6.9, the reliability
    figures; it stops the server only if it started it. One implementation, so the two can never disagree.
    Docs: render docs/<Cmdlet>.md, the pages Get-Help -Online opens, from the MAML help in en-US/ (no platyPS needed).
    Package: build in Release and produce out/SmtpTools.<version>.nupkg, the file Publish-PSResource uploads.
    Clean: remove out/ and every bin/ and obj/ folder.

.PARAMETER Configuration
    Debug or Release, for Build. Test builds in Debug (as CI does); Package always uses Release.

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
    # The same script as the README's test command and CI: one verdict. It builds in Debug, as they do.
    if (-not (Get-Command -Name bash -CommandType Application -ErrorAction SilentlyContinue)) {
        throw 'The tests need bash and the Postfix + Dovecot test server, which run on Debian or Ubuntu only.'
    }

    Invoke-Native bash @((Join-Path $root 'tests/run.sh'))
}

function Invoke-Docs {
    # The online help pages (Get-Help -Online opens them), rendered from the MAML in en-US/: help is written once.
    Invoke-Build
    $manifest = Join-Path $root "out/SmtpTools/$(Get-ModuleVersion)/SmtpTools.psd1"
    $render = Join-Path $root 'docs/ConvertTo-CmdletPage.ps1'
    # A child pwsh, so a module already imported in this session cannot be the one documented.
    $names = & (Join-Path $PSHOME 'pwsh') -NoProfile -Command "Import-Module '$manifest'; (Get-Command -Module SmtpTools -CommandType Cmdlet).Name"
    foreach ($name in $names) {
        $page = & (Join-Path $PSHOME 'pwsh') -NoProfile -Command "Import-Module '$manifest'; & '$render' -Name $name"
        $path = Join-Path $root "docs/$name.md"
        [IO.File]::WriteAllText($path, (($page -join "`n").TrimEnd() + "`n"))
        Write-Host "Wrote $path"
    }
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
