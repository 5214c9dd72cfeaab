#Requires -Version 7.0
<#
.SYNOPSIS
    Runs the Pester acceptance suite (tests/pester/*.Tests.ps1) with the Pester 5.9.1 that NuGet restored.

.DESCRIPTION
    Pester comes from NuGet with the test build (a PackageDownload in tests/SmtpTools.Module.Tests), so nobody
    installs it by hand: this script imports it from the NuGet global-packages folder, runs the suite against the
    built module (out/SmtpTools/<version>/) and the test server, writes NUnit XML next to the module folder, and
    prints one line "pester: N passed, N failed, N skipped". Exit status 0 only when nothing failed: no test, no
    BeforeAll/AfterAll block, no file that could not run.

    Called by tests/run.sh (the README's test command and CI) as `dotnet pwsh -File tests/pester/Invoke-PesterSuite.ps1`.

.PARAMETER Path
    Test files or folders to run; by default every *.Tests.ps1 in this folder.

.PARAMETER ResultFile
    Where the NUnit XML result goes; by default out/pester/results.xml.

.EXAMPLE
    dotnet pwsh -File tests/pester/Invoke-PesterSuite.ps1 -Path tests/pester/Test-SmtpPort.Tests.ps1
#>
[CmdletBinding()]
param(
    [string[]] $Path = $PSScriptRoot,

    [string] $ResultFile = (Join-Path -Path $PSScriptRoot -ChildPath '../../out/pester/results.xml')
)

# No Set-StrictMode here: it would reach into the test blocks, and the suite is written as users write scripts.
$ErrorActionPreference = 'Stop'

$pesterVersion = '5.9.1'

function Find-RestoredPester {
    # Where NuGet keeps packages: NUGET_PACKAGES when set, else what the SDK reports, else its default.
    $roots = @(
        $env:NUGET_PACKAGES
        (& dotnet nuget locals global-packages --list 2>$null) -replace '^global-packages:\s*', ''
        Join-Path -Path ([Environment]::GetFolderPath('UserProfile')) -ChildPath '.nuget/packages'
    ) | Where-Object { $_ }

    foreach ($root in $roots) {
        $manifest = Join-Path -Path $root.Trim() -ChildPath "pester/$pesterVersion/tools/Pester.psd1"
        if (Test-Path -LiteralPath $manifest -PathType Leaf) {
            return $manifest
        }
    }

    throw "Pester $pesterVersion is not in the NuGet cache ($($roots -join ', ')). Restore it with 'dotnet build SmtpTools.slnx' (or 'dotnet restore tests/SmtpTools.Module.Tests'), then run this script again."
}

Import-Module -Name (Find-RestoredPester) -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
# Colours only on a terminal: CI logs stay readable.
if ([Console]::IsOutputRedirected) {
    $configuration.Output.RenderMode = 'Plaintext'
}
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = [IO.Path]::GetFullPath($ResultFile)
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Path $configuration.TestResult.OutputPath.Value -Parent)

$result = Invoke-Pester -Configuration $configuration

# A failing BeforeAll or a file that cannot run fails no single test, but it fails the suite.
$brokenBlocks = $result.FailedBlocksCount + $result.FailedContainersCount
$failed = $result.FailedCount + $brokenBlocks
"pester: $($result.PassedCount) passed, $failed failed, $($result.SkippedCount) skipped"
if ($result.PassedCount -eq 0 -and $failed -eq 0) {
    Write-Error -Message 'The Pester suite ran no test.' -ErrorId 'SmtpTools.Tests.NoPesterTest' -Category InvalidResult -ErrorAction Continue
    exit 1
}

exit ([int] ($failed -gt 0))
