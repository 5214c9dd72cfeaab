#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

# The README's examples, run in real pwsh against the test server (its names and ports in place of example.com)
# and rendered at 80 columns, still the default width of many consoles and of Out-File: no line wider than the
# screen, no table header wrapped over several lines, no value cut short with "…".
BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestServer.ps1')
    Import-Module -Name (Get-BuiltSmtpToolsManifest) -Force -ErrorAction Stop
    $server = Start-SmtpTestServer

    $ports = @($server.Ports.relay, $server.Ports.submissions, $server.Ports.submission, $server.Ports.plain)
    $trust = @{ TrustedCertificate = $server.CaFile; TimeoutSec = 5 }
    $discovery = @{ DnsServer = $server.DnsServer; AutoconfigPort = $server.AutoconfigPort; MxPort = $server.Ports.relay }
    $lab = @{ DnsServer = $server.Resolver; TrustedCertificate = $server.CaFile; MxPort = $server.Ports.relay; PolicyPort = $server.AutoconfigPort; TimeoutSec = 5 }

    # What a user sees on an 80-column screen, checked line by line.
    function Assert-FitsEightyColumns {
        param([Parameter(Mandatory)] [string] $Screen, [switch] $Text)

        $lines = $Screen -split "`r?`n"
        $Screen | Should -Not -Match '…' -Because "no value is cut short:`n$Screen"
        if ($Text) {
            return # a plain string: pwsh prints it as it is and the console wraps it, nothing to fit
        }
        foreach ($line in $lines) {
            $line.Length | Should -BeLessOrEqual 80 -Because "no line is wider than the screen:`n$Screen"
        }
        for ($i = 1; $i -lt $lines.Count; $i++) {
            if ($lines[$i].Trim() -match '^-[- ]*$' -and $lines[$i - 1].Trim().Length -gt 0) {
                # A table header: one line, with a blank line (or the start) above it.
                ($i -lt 2 -or $lines[$i - 2].Trim().Length -eq 0 -or $lines[$i - 2] -match '^\s*\w+: ') | Should -BeTrue -Because "the header is one line:`n$Screen"
            }
        }
    }
}

AfterAll {
    Stop-SmtpTestServer -Server $server
    Remove-Module -Name SmtpTools -ErrorAction Ignore
}

Describe "The README's examples at 80 columns" {
    It '<Example>' -ForEach @(
        @{ Example = 'Test-SmtpPort <host> -Recommended'; Script = { Test-SmtpPort -ComputerName localhost -Port $ports @trust -Recommended } }
        @{ Example = 'Test-SmtpPort <host> (every port)'; Script = { Test-SmtpPort -ComputerName localhost -Port $ports @trust } }
        @{ Example = 'Resolve-SmtpServer <domain> | Test-SmtpPort -Recommended'; Script = { Resolve-SmtpServer -Domain "srv.$($server.Zone)" @discovery | Test-SmtpPort @trust -DnsServer $server.DnsServer -Recommended } }
        @{ Example = 'Resolve-SmtpServer <domain> -Probe'; Script = { Resolve-SmtpServer -Domain "srv.$($server.Zone)" @discovery @trust -Probe } }
        @{ Example = "'<domain>', '<domain>' | Test-SmtpDomain"; Script = { "enforce.$($server.SecureZone)", "testing.$($server.SecureZone)" | Test-SmtpDomain @lab } }
        @{ Example = '(Test-SmtpDomain <domain>).VerdictReason'; Script = { (Test-SmtpDomain -Domain "missmx.$($server.SecureZone)" @lab).VerdictReason } }
        @{ Example = 'Import-Csv servers.csv | Get-SmtpCapability'; Script = { @([pscustomobject]@{ ComputerName = 'localhost'; Port = $server.Ports.submission }, [pscustomobject]@{ ComputerName = 'localhost'; Port = $server.Ports.plain }) | Get-SmtpCapability @trust } }
        @{ Example = 'Test-SmtpPort -Recommended | Send-SecureMail -PassThru'; Script = { Test-SmtpPort -ComputerName localhost -Port $server.Ports.submission, $server.Ports.submissions @trust -Recommended | Send-SecureMail -From $server.User -To $server.User -Subject Hi -Credential $server.Credential @trust -PassThru } }
    ) {
        $output = & $Script 2>&1
        $screen = $output | Out-String -Width 80

        $screen.Trim() | Should -Not -BeNullOrEmpty
        $screen | Should -Not -Match 'Exception|Error' -Because "the example runs cleanly:`n$screen"
        Assert-FitsEightyColumns -Screen $screen -Text:($output -is [string])
    }
}
