#Requires -Version 7.0
<#
.SYNOPSIS
    Renders one cmdlet's help as the markdown page that Get-Help -Online opens (docs/<Name>.md).

.DESCRIPTION
    The help is written once, in en-US/SmtpTools.dll-Help.xml; this script turns what Get-Help reads from it into
    markdown, so the online page and Get-Help can never say two different things. `./build.ps1 -Task Docs` writes
    every page; the Pester suite checks that the committed pages are what this script renders. The module must be
    imported first.

.PARAMETER Name
    The cmdlet, such as Test-SmtpPort.

.EXAMPLE
    Import-Module ./out/SmtpTools/*/SmtpTools.psd1; ./docs/ConvertTo-CmdletPage.ps1 -Name Test-SmtpPort
#>
[CmdletBinding()]
[OutputType([string])]
param(
    [Parameter(Mandatory)] [string] $Name
)

$ErrorActionPreference = 'Stop'
$help = Get-Help -Name $Name -Full
$command = Get-Command -Name $Name

function Get-Paragraphs($Entries) {
    @($Entries | ForEach-Object { "$($_.Text)".Trim() } | Where-Object { $_ }) -join "`n`n"
}

$page = [System.Text.StringBuilder]::new()
$null = $page.AppendLine("# $Name").AppendLine()
$null = $page.AppendLine("$($help.Synopsis)").AppendLine()
$null = $page.AppendLine('## Syntax').AppendLine()
foreach ($syntax in (Get-Command -Name $Name -Syntax).Trim() -split "`r?`n" | Where-Object { $_.Trim() }) {
    $null = $page.AppendLine('```powershell').AppendLine($syntax.Trim()).AppendLine('```').AppendLine()
}

$null = $page.AppendLine('## Description').AppendLine().AppendLine((Get-Paragraphs $help.description)).AppendLine()

$null = $page.AppendLine('## Parameters').AppendLine()
foreach ($parameter in $help.parameters.parameter) {
    $null = $page.AppendLine("### -$($parameter.name)").AppendLine()
    $null = $page.AppendLine((Get-Paragraphs $parameter.description)).AppendLine()
    $null = $page.AppendLine("Type: ``$($parameter.type.name)``; required: $($parameter.required); position: $($parameter.position); pipeline input: $($parameter.pipelineInput)").AppendLine()
}

$null = $page.AppendLine('## Inputs').AppendLine()
foreach ($input in $help.inputTypes.inputType) {
    $null = $page.AppendLine("- ``$($input.type.name)``: $((Get-Paragraphs $input.description))")
}

$null = $page.AppendLine().AppendLine('## Outputs').AppendLine()
foreach ($output in $help.returnValues.returnValue) {
    $null = $page.AppendLine("- ``$($output.type.name)``: $((Get-Paragraphs $output.description))")
}

$notes = Get-Paragraphs $help.alertSet.alert
if ($notes) {
    $null = $page.AppendLine().AppendLine('## Notes').AppendLine().AppendLine($notes)
}

$null = $page.AppendLine().AppendLine('## Examples')
foreach ($example in $help.examples.example) {
    $title = ($example.title -replace '^-+\s*', '' -replace '\s*-+$', '')
    $null = $page.AppendLine().AppendLine("### $title").AppendLine()
    $null = $page.AppendLine('```powershell').AppendLine($example.code).AppendLine('```').AppendLine()
    $null = $page.AppendLine((Get-Paragraphs $example.remarks))
}

$null = $page.AppendLine().AppendLine('## Related links').AppendLine()
foreach ($link in $help.relatedLinks.navigationLink) {
    if ($link.uri -eq $command.HelpUri) { continue } # this page itself
    $target = if ($link.uri) { $link.uri } elseif ($link.linkText -like 'about_*') { "../en-US/$($link.linkText).help.txt" } else { "$($link.linkText).md" }
    $null = $page.AppendLine("- [$($link.linkText)]($target)")
}

# One trailing newline, LF only, whatever the platform: the committed pages compare byte for byte.
($page.ToString() -replace "`r`n", "`n").TrimEnd() + "`n"
