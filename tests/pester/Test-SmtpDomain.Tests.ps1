#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

# Test-SmtpDomain as a user runs it, against the test server's signed zone (Knot), validating resolver (unbound),
# MTA-STS policies (nginx) and Postfix as every MX (on the relay port: 25 is not ours).
BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestServer.ps1')
    Import-Module -Name (Get-BuiltSmtpToolsManifest) -Force -ErrorAction Stop
    $server = Start-SmtpTestServer
    $lab = @{
        DnsServer          = $server.Resolver
        TrustedCertificate = $server.CaFile
        MxPort             = $server.Ports.relay
        PolicyPort         = $server.AutoconfigPort
        TimeoutSec         = 5
    }
    $zone = $server.SecureZone
}

AfterAll {
    Stop-SmtpTestServer -Server $server
    Remove-Module -Name SmtpTools -ErrorAction Ignore
}

Describe 'Test-SmtpDomain' {
    Context 'The verdict a sending MTA reaches' {
        It 'finds <Case> <Verdict>' -ForEach @(
            @{ Case = 'enforce'; Verdict = 'Authenticated' }
            @{ Case = 'testing'; Verdict = 'Opportunistic' }
            @{ Case = 'missmx'; Verdict = 'Degraded' }
            @{ Case = 'wrongname'; Verdict = 'Degraded' }
            @{ Case = 'dane-ee'; Verdict = 'Authenticated' }
            @{ Case = 'dane-bad'; Verdict = 'Deferred' }
            @{ Case = 'plain'; Verdict = 'Opportunistic' }
            @{ Case = 'empty'; Verdict = 'NoMail' }
        ) {
            $report = Test-SmtpDomain -Domain "$Case.$zone" @lab

            $report.Verdict | Should -Be $Verdict
        }

        It 'says which MX an enforce policy defers, and why' {
            $report = Test-SmtpDomain -Domain "wrongname.$zone" @lab

            $report.VerdictReason | Should -BeLike "enforce: mail to mx2.wrongname.$zone would be deferred because its certificate is for another name*"
            ($report.MxHosts | Where-Object Delivery -eq 'Deferred').HostName | Should -Be "mx2.wrongname.$zone"
        }

        It 'ignores TLSA records the resolver does not vouch for' {
            $report = Test-SmtpDomain -Domain "dane.$($server.InsecureZone)" @lab

            $report.MxHosts[0].Dane | Should -Be 'NotSecure'
            $report.Findings.Id | Should -Contain 'DANE_NOT_SECURE'
        }

        It 'reports a zone whose signatures do not validate as a DNS failure' {
            $report = Test-SmtpDomain -Domain $server.BogusZone @lab

            $report.Verdict | Should -Be 'DnsFailure'
            $report.Findings.Id | Should -Contain 'MX_DNS_FAILED'
        }
    }

    Context 'Input and output' {
        It 'takes domains from CSV rows by property name' {
            $csv = @("Domain", "enforce.$zone", "plain.$zone") | ConvertFrom-Csv

            $reports = $csv | Test-SmtpDomain @lab

            $reports.Domain | Should -Be @("enforce.$zone", "plain.$zone")
        }

        It 'takes the domain of an e-mail address' {
            (Test-SmtpDomain -Domain "postmaster@plain.$zone" @lab).Domain | Should -Be "plain.$zone"
        }

        It 'refuses a name that cannot be a domain before any network I/O' {
            { Test-SmtpDomain -Domain 'not a domain' @lab -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SmtpTools.Commands.TestSmtpDomainCommand'
        }

        It 'shows many domains in a table that fits 80 columns' {
            $text = Test-SmtpDomain -Domain "enforce.$zone", "dane-ee.$zone", "plain.$zone" @lab | Format-Table | Out-String -Width 80

            # Fixed columns first, the domain last.
            $text | Should -Match "Authenticated +Enforce .* enforce\.$([regex]::Escape($zone))"
            ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }) | Should -BeNullOrEmpty
        }
    }
}
