#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

BeforeDiscovery {
    # The cmdlets the module really exports, so a new one cannot slip past the help checks.
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    $cmdlets = & (Join-Path $PSHOME 'pwsh') -NoProfile -Command "Import-Module '$(Get-BuiltSmtpToolsManifest)'; (Get-Command -Module SmtpTools -CommandType Cmdlet).Name" |
        ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    $manifestPath = Get-BuiltSmtpToolsManifest
    $moduleFolder = Split-Path -Path $manifestPath -Parent
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module -Name SmtpTools -ErrorAction Ignore
}

Describe 'The SmtpTools module' {
    Context 'Manifest' {
        It 'passes Test-ModuleManifest' {
            { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
        }

        It 'carries the version from Directory.Build.props' {
            [xml] $props = Get-Content -Raw -Path (Join-Path -Path $PSScriptRoot -ChildPath '../../Directory.Build.props')
            $version = $props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1

            (Test-ModuleManifest -Path $manifestPath).Version | Should -Be ([version] $version)
        }

        It 'supports both editions from Windows PowerShell 5.1 on' {
            $manifest = Import-PowerShellDataFile -Path $manifestPath

            $manifest.PowerShellVersion | Should -Be '5.1'
            $manifest.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
            $manifest.DotNetFrameworkVersion | Should -Be '4.7.2'
        }
    }

    Context 'Commands' {
        It 'exports the cmdlet <Name>' -ForEach @(
            @{ Name = 'Test-SmtpPort' }
            @{ Name = 'Get-SmtpCapability' }
            @{ Name = 'Send-SecureMail' }
            @{ Name = 'Get-SmtpAccessToken' }
        ) {
            Get-Command -Module SmtpTools -Name $Name -CommandType Cmdlet | Should -Not -BeNullOrEmpty
        }

        It 'exports nothing else' {
            (Get-Command -Module SmtpTools).Name | Sort-Object | Should -Be @('Get-SmtpAccessToken', 'Get-SmtpCapability', 'Send-SecureMail', 'Test-SmtpPort')
        }
    }

    Context 'Help' {
        It 'ships the about_SmtpTools topic' {
            Join-Path -Path $moduleFolder -ChildPath 'en-US/about_SmtpTools.help.txt' | Should -Exist
        }

        It 'shows about_SmtpTools with Get-Help' {
            Get-Help -Name about_SmtpTools | Out-String | Should -Match 'Test-SmtpPort'
        }

        It 'sends Get-Help <Name> -Online to the cmdlet''s own page' -ForEach $cmdlets {
            $page = "https://github.com/smtptools/SmtpTools/blob/main/docs/$Name.md"

            (Get-Command -Name $Name).HelpUri | Should -Be $page
            # Get-Help -Online opens the first link of the help that has an address.
            (Get-Help -Name $Name).relatedLinks.navigationLink.uri | Where-Object { $_ } | Select-Object -First 1 | Should -Be $page
        }

        It 'publishes the page of <Name> as the current help renders it (./build.ps1 -Task Docs)' -ForEach $cmdlets {
            $committed = Join-Path -Path $PSScriptRoot -ChildPath "../../docs/$Name.md"

            $committed | Should -Exist
            & (Join-Path -Path $PSScriptRoot -ChildPath '../../docs/ConvertTo-CmdletPage.ps1') -Name $Name |
                Should -BeExactly ([IO.File]::ReadAllText($committed))
        }
    }

    Context 'Module folder' {
        It 'never ships the PowerShell engine (System.Management.Automation.dll)' {
            Get-ChildItem -Path $moduleFolder -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
        }

        It 'keeps the mail libraries in dependencies/, out of the default load path' {
            Join-Path -Path $moduleFolder -ChildPath 'MailKit.dll' | Should -Not -Exist
            Join-Path -Path $moduleFolder -ChildPath 'dependencies/MailKit.dll' | Should -Exist
        }
    }
}
