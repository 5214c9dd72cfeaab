#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestServer.ps1')
    Import-Module -Name (Get-BuiltSmtpToolsManifest) -Force -ErrorAction Stop
    $server = Start-SmtpTestServer

    # Every inspection trusts the test server's private CA, as an admin trusts a company CA.
    $inspect = @{ ComputerName = $server.Host; TrustedCertificate = $server.CaFile; TimeoutSec = 10 }
}

AfterAll {
    Stop-SmtpTestServer -Server $server
    Remove-Module -Name SmtpTools -ErrorAction Ignore
}

Describe 'Get-SmtpCapability' {
    Context 'What each listener offers' {
        It 'finds <Security> on the <PortName> port' -ForEach @(
            @{ PortName = 'relay'; Security = 'StartTls' }
            @{ PortName = 'submission'; Security = 'StartTls' }
            @{ PortName = 'submissions'; Security = 'ImplicitTls' }
            @{ PortName = 'plain'; Security = 'PlainOnly' }
        ) {
            $report = Get-SmtpCapability @inspect -Port $server.Ports.$PortName

            $report | Should -HaveCount 1
            $report | Should -BeOfType SmtpTools.SmtpCapabilityReport
            $report.Security | Should -Be $Security
            $report.Banner | Should -BeLike '220 mail.smtptools.test*'
        }

        It 'finds that the <PortName> port accepts <Versions>' -ForEach @(
            @{ PortName = 'relay'; Versions = @('Tls10', 'Tls11', 'Tls12', 'Tls13') }
            @{ PortName = 'submission'; Versions = @('Tls12', 'Tls13') }
        ) {
            $report = Get-SmtpCapability @inspect -Port $server.Ports.$PortName

            $report.AcceptedTlsVersions | Should -Be $Versions
        }

        It 'sees AUTH offered only inside TLS on the submission port' {
            $report = Get-SmtpCapability @inspect -Port $server.Ports.submission

            $report.AuthMechanismsBeforeTls | Should -BeNullOrEmpty
            $report.AuthMechanisms | Should -Contain 'PLAIN'
        }

        It 'skips the TLS version scan with -SkipTlsVersionScan' {
            $report = Get-SmtpCapability @inspect -Port $server.Ports.submission -SkipTlsVersionScan

            $report.TlsVersionsScanned | Should -BeFalse
            $report.TlsProtocol | Should -BeIn @('Tls12', 'Tls13')
        }
    }

    Context 'Findings' {
        It 'flags the <PortName> listener with <Id>' -ForEach @(
            @{ PortName = 'expired'; Security = 'ImplicitTls'; Id = 'CERT_EXPIRED' }
            @{ PortName = 'expiring'; Security = 'ImplicitTls'; Id = 'CERT_EXPIRING' }
            @{ PortName = 'wrongHost'; Security = 'ImplicitTls'; Id = 'CERT_WRONG_HOST' }
            @{ PortName = 'selfSigned'; Security = 'ImplicitTls'; Id = 'CERT_SELF_SIGNED' }
            @{ PortName = 'noIntermediate'; Security = 'ImplicitTls'; Id = 'CERT_INCOMPLETE_CHAIN' }
            @{ PortName = 'plain'; Security = 'Auto'; Id = 'NO_TLS' }
        ) {
            $report = Get-SmtpCapability @inspect -Port $server.Ports.$PortName -Security $Security -SkipTlsVersionScan

            $report.Findings.Id | Should -Contain $Id
            $finding = $report.Findings | Where-Object Id -eq $Id
            $finding.Reference | Should -Not -BeNullOrEmpty
        }

        It 'rates passwords offered in clear on the plain port Critical' {
            $report = Get-SmtpCapability @inspect -Port $server.Ports.plain

            $report.HighestSeverity | Should -Be 'Critical'
            ($report.Findings | Where-Object Severity -eq 'Critical').Id | Should -Be 'PLAINTEXT_AUTH_IN_CLEAR'
        }

        It 'picks the expired and the expiring certificate out of an audit of many endpoints' {
            $endpoints = 'submissions', 'expired', 'expiring', 'wrongHost' | ForEach-Object {
                [pscustomobject]@{ ComputerName = $server.Host; Port = $server.Ports.$_; Security = 'ImplicitTls' }
            }

            $expiring = $endpoints |
                Get-SmtpCapability -TrustedCertificate $server.CaFile -TimeoutSec 10 -SkipTlsVersionScan |
                Where-Object { $_.Findings.Id -match '^CERT_EXPIR' }

            $expiring.Port | Should -Be @($server.Ports.expired, $server.Ports.expiring)
            $expiring[1].Certificate.DaysUntilExpiry | Should -BeLessOrEqual 30
        }
    }

    Context 'Verifying a credential' {
        It 'logs in with AUTH PLAIN inside STARTTLS' {
            $report = Get-SmtpCapability @inspect -Port $server.Ports.submission -Credential $server.Credential -SkipTlsVersionScan

            $report.AuthenticationResult | Should -Be 'Succeeded'
            $report.AuthenticationMechanism | Should -Be 'PLAIN'
            $report.AuthenticationMessage | Should -BeLike '235*'
        }

        It 'withholds the password from the plain port and says why' {
            $report = Get-SmtpCapability @inspect -Port $server.Ports.plain -Credential $server.Credential -ErrorAction SilentlyContinue -ErrorVariable failures

            $report.AuthenticationResult | Should -Be 'WithheldNotEncrypted'
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'SmtpTools.EncryptionRequired,SmtpTools.Commands.GetSmtpCapabilityCommand'
        }

        It 'refuses -Security None with -Credential before connecting' {
            { Get-SmtpCapability @inspect -Port $server.Ports.submission -Security None -Credential $server.Credential } |
                Should -Throw -ErrorId 'SmtpTools.CredentialRequiresTls,SmtpTools.Commands.GetSmtpCapabilityCommand'
        }
    }

    Context 'Pipeline input' {
        It 'inspects what Test-SmtpPort found, in the mode it found' {
            $reports = Test-SmtpPort -ComputerName $server.Host -Port $server.Ports.submissions, $server.Ports.submission -TrustedCertificate $server.CaFile -TimeoutSec 10 -InputOrder |
                Get-SmtpCapability -TrustedCertificate $server.CaFile -TimeoutSec 10 -SkipTlsVersionScan

            $reports.RequestedSecurity | Should -Be @('ImplicitTls', 'StartTls')
        }

        It 'reads endpoints from CSV rows, a blank Security meaning Auto' {
            $rows = @"
ComputerName,Port,Security
$($server.Host),$($server.Ports.submission),
$($server.Host),$($server.Ports.submissions),ImplicitTls
"@ | ConvertFrom-Csv

            $reports = $rows | Get-SmtpCapability -TrustedCertificate $server.CaFile -TimeoutSec 10 -SkipTlsVersionScan

            $reports.Port | Should -Be @($server.Ports.submission, $server.Ports.submissions)
            $reports.RequestedSecurity | Should -Be @('Auto', 'ImplicitTls')
        }
    }

    Context 'Errors' {
        It 'fails with SmtpTools.ConnectionRefused on a port nobody listens on' {
            { Get-SmtpCapability @inspect -Port 1 -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.ConnectionRefused,SmtpTools.Commands.GetSmtpCapabilityCommand'
        }

        It 'fails with SmtpTools.SecurityMismatch, naming STARTTLS, when -Security ImplicitTls meets a STARTTLS port' {
            { Get-SmtpCapability @inspect -Port $server.Ports.relay -Security ImplicitTls -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.SecurityMismatch,SmtpTools.Commands.GetSmtpCapabilityCommand' -ExpectedMessage '*speaks STARTTLS*-Security StartTls*'
        }

        It 'rejects the port <Port> before any network I/O' -ForEach @(
            @{ Port = 0 }
            @{ Port = 65536 }
        ) {
            { Get-SmtpCapability -ComputerName localhost -Port $Port } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,SmtpTools.Commands.GetSmtpCapabilityCommand'
        }
    }
}
