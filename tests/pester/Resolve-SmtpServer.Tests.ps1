#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

# Resolve-SmtpServer against the test server's Knot DNS (the discovery zone: one subdomain per case, see
# tests/server/conf/discovery.zone.in), nginx (autoconfig documents on a high port) and Postfix.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestServer.ps1')
    Import-Module -Name (Get-BuiltSmtpToolsManifest) -Force -ErrorAction Stop
    $server = Start-SmtpTestServer
    # What every call shares: the test zone's DNS server, the test CA, the autoconfig server's port.
    $discovery = @{
        DnsServer          = $server.DnsServer
        TrustedCertificate = $server.CaFile
        AutoconfigPort     = $server.AutoconfigPort
        MxPort             = $server.Ports.relay
        TimeoutSec         = 5
    }
    $probing = @{ DnsServer = $server.DnsServer; TrustedCertificate = $server.CaFile; TimeoutSec = 5 }
}

AfterAll {
    Stop-SmtpTestServer -Server $server
    Remove-Module -Name SmtpTools -ErrorAction Ignore
}

Describe 'Resolve-SmtpServer' {
    Context 'Which endpoint for this domain, in one line' {
        It 'names <Endpoint> from <Source> alone' -ForEach @(
            @{ Case = 'srv'; Source = 'SRV records'; Endpoint = 'mail.srv:submissions'; Security = 'ImplicitTls' }
            @{ Case = 'ac'; Source = 'the autoconfig document'; Endpoint = 'submit.ac:submissions'; Security = 'ImplicitTls' }
            @{ Case = 'wk'; Source = 'the .well-known autoconfig document'; Endpoint = 'submit.wk:submission'; Security = 'StartTls' }
            @{ Case = 'mx'; Source = 'MX records'; Endpoint = 'mx1.mx:relay'; Security = 'StartTls' }
        ) {
            $hostLabel, $portName = $Endpoint -split ':'

            $recommendation = Resolve-SmtpServer -Domain "$Case.$($server.Zone)" @discovery | Test-SmtpPort -Recommended @probing

            $recommendation.ComputerName | Should -Be "$hostLabel.$($server.Zone)"
            $recommendation.Port | Should -Be $server.Ports.$portName
            $recommendation.Security | Should -Be $Security
        }
    }

    Context "The README's MX audit, on Linux" {
        It 'audits every MX host of the domain with Get-SmtpCapability' {
            $reports = Resolve-SmtpServer -Domain "mx.$($server.Zone)" @discovery |
                Where-Object Source -eq 'Mx' |
                Get-SmtpCapability @probing -SkipTlsVersionScan

            $reports.ComputerName | Should -Be "mx1.mx.$($server.Zone)"
            $reports.Port | Should -Be $server.Ports.relay
            $reports.Certificate.Verdict | Should -Be 'valid'
        }
    }

    Context 'What the records say' {
        It 'lists SRV candidates in priority order, with what each record claims' {
            $candidates = Resolve-SmtpServer -Domain "srv.$($server.Zone)" @discovery

            $candidates.Security | Should -Be @('ImplicitTls', 'StartTls')
            $candidates.Priority | Should -Be @(0, 10)
            $candidates[0].Claim | Should -BeLike "_submissions._tcp.srv.$($server.Zone). SRV 0 1 *"
            $candidates[0].Addresses | Should -Contain ([ipaddress] '127.0.0.1')
        }

        It 'treats an SRV target of "." as not offered' {
            $candidate = Resolve-SmtpServer -Domain "none.$($server.Zone)" @discovery

            $candidate.Security | Should -Be 'StartTls'
            $candidate.Findings.Id | Should -Contain 'SRV_NOT_OFFERED'
        }

        It 'works from an e-mail address' {
            (Resolve-SmtpServer -Domain "alice@srv.$($server.Zone)" @discovery).Domain | Should -Be @("srv.$($server.Zone)", "srv.$($server.Zone)")
        }
    }

    Context 'Published against measured' {
        It 'reports <Id> for the <Case> case' -ForEach @(
            @{ Case = 'srv-starttls'; Id = 'PUBLISHED_IMPLICIT_SPEAKS_STARTTLS' }
            @{ Case = 'srv-closed'; Id = 'PUBLISHED_PORT_UNREACHABLE' }
            @{ Case = 'ac-weak'; Id = 'PUBLISHED_PLAIN_WHERE_TLS_WORKS' }
            @{ Case = 'badcert'; Id = 'PUBLISHED_HOST_NOT_IN_CERTIFICATE' }
            @{ Case = 'srv-nx'; Id = 'PUBLISHED_HOST_UNRESOLVED' }
            @{ Case = 'disagree'; Id = 'SOURCES_DISAGREE' }
        ) {
            $candidates = Resolve-SmtpServer -Domain "$Case.$($server.Zone)" @discovery -Probe

            $candidates.Findings.Id | Should -Contain $Id
        }

        It 'finds nothing wrong with a healthy domain' {
            $candidates = Resolve-SmtpServer -Domain "srv.$($server.Zone)" @discovery -Probe

            $candidates.MeasuredSecurity | Should -Be @('ImplicitTls', 'StartTls')
            $candidates.Findings | Should -BeNullOrEmpty
        }
    }

    Context 'Errors say what was asked, and of whom' {
        It 'reports a domain that does not exist as SmtpTools.DomainNotFound' {
            $null = Resolve-SmtpServer -Domain "nope.$($server.Zone)" @discovery -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures[0].FullyQualifiedErrorId | Should -BeLike 'SmtpTools.DomainNotFound,*'
            $failures[0].ToString() | Should -BeLike "*NXDOMAIN from $($server.DnsServer)*"
        }

        It 'reports a broken zone as SmtpTools.DnsServerFailure' {
            $null = Resolve-SmtpServer -Domain "x.servfail.$($server.Zone)" @discovery -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures.FullyQualifiedErrorId | Should -BeLike 'SmtpTools.DnsServerFailure,*'
        }

        It 'reports a domain that publishes nothing as SmtpTools.NoSmtpServerPublished' {
            $null = Resolve-SmtpServer -Domain "empty.$($server.Zone)" @discovery -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures.FullyQualifiedErrorId | Should -BeLike 'SmtpTools.NoSmtpServerPublished,*'
        }

        It 'refuses a redirect of the autoconfig document to http://' {
            $null = Resolve-SmtpServer -Domain "redirect.$($server.Zone)" @discovery -ErrorVariable failures -ErrorAction SilentlyContinue

            $failures.FullyQualifiedErrorId | Should -Contain 'SmtpTools.AutoconfigRejected,SmtpTools.Commands.ResolveSmtpServerCommand'
        }

        It 'refuses a DNS server given by name, before any network traffic' {
            { Resolve-SmtpServer -Domain example.com -DnsServer dns.example.com } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        }
    }
}
