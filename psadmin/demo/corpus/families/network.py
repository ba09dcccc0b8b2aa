"""Task families of the "Network Management" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="port-check",
        category="Network Management",
        name="Test-ServicePorts",
        titles=(
            "TCP Port Reachability Check for {{SiteName}}",
            "Firewall Rule Verification ({{Ports}})",
            "Service Port Monitor for {{Dept}} Servers",
        ),
        synopsis="Tests whether TCP ports are reachable on a set of hosts.",
        description=(
            "Opens a TCP connection to each port on each host and reports which ones are "
            "reachable, to verify firewall changes and service availability."
        ),
        purpose=(
            "Verifies after firewall changes that ports {{Ports}} are reachable on the "
            "{{SiteName}} servers."
        ),
        tags=("networking", "monitoring", "email", "csv"),
        params=r"""
ComputerName|string[]||@('{{Server1}}', '{{Server2}}')|ValidateNotNullOrEmpty()|Hosts to test.
Port|int[]||{{Ports}}|ValidateRange(1, 65535)|TCP ports that must be reachable.
?export|ExportPath|string||'{{ReportDir}}\PortCheck-{{Site}}.csv'||CSV output path.""",
        body=r"""
$results = foreach ($computer in $ComputerName) {
    foreach ($p in $Port) {
?verbose|        Write-Verbose "Testing ${computer}:$p"
?modern|        $test = Test-NetConnection -ComputerName $computer -Port $p -WarningAction SilentlyContinue
?!modern|        $client = New-Object System.Net.Sockets.TcpClient
?!modern|        try { $client.Connect($computer, $p); $open = $client.Connected } catch { $open = $false }
?!modern|        $client.Close()
        [pscustomobject]@{
            ComputerName = $computer
            Port         = $p
?modern|            Open         = $test.TcpTestSucceeded
?modern|            RemoteIp     = $test.RemoteAddress
?!modern|            Open         = $open
            CheckedAt    = Get-Date
        }
    }
}
$failed = $results | Where-Object { -not $_.Open }
?!verbose|Write-Host "$(@($failed).Count) of $(@($results).Count) checks failed"
?extra|if ($failed) {
?extra|    $lines = $failed | ForEach-Object { "$($_.ComputerName):$($_.Port)" }
?extra|    Send-MailMessage -SmtpServer '{{Smtp}}' -From '{{MailFrom}}' -To '{{MailTo}}' `
?extra|        -Subject "[{{EnvShort}}] $(@($failed).Count) ports unreachable" -Body ($lines -join "`n")
?extra|}
?export|$results | Export-Csv -Path $ExportPath -NoTypeInformation
$results""",
        example="-ComputerName {{Server1}} -Port {{Ports}}",
        slots={
            "Ports": (
                "443, 3389",
                "80, 443",
                "1433, 445",
                "5985, 5986",
                "25, 587",
                "389, 636, 3268",
                "22, 443",
            ),
        },
        commits={
            "extra": "Email the failed checks",
            "modern": "Use Test-NetConnection instead of a raw TcpClient",
        },
    ),
    Family(
        key="dns-validation",
        category="Network Management",
        name="Test-DnsRecords",
        titles=(
            "DNS Record Validation for {{MailDomain}}",
            "Compare DNS Answers Across {{SiteName}} Resolvers",
            "Post-Migration DNS Check ({{Env}})",
        ),
        synopsis="Checks DNS records against their expected values on several servers.",
        description=(
            "Resolves each record from a CSV of Name, Type and Expected on every DNS server "
            "and reports answers that differ, e.g. after a migration or a zone change."
        ),
        purpose=(
            "Confirms that every resolver returns the expected answer for the {{MailDomain}} "
            "records after DNS changes."
        ),
        tags=("dns", "networking", "monitoring"),
        params=r"""
RecordFile|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|CSV with Name, Type and Expected columns.
DnsServer|string[]||@('{{DnsServer}}', '8.8.8.8')||DNS servers that must all return the expected answer.""",
        body=r"""
$records = Import-Csv -Path $RecordFile
$results = foreach ($record in $records) {
    foreach ($server in $DnsServer) {
        $answer = Resolve-DnsName -Name $record.Name -Type $record.Type -Server $server `
            -DnsOnly -ErrorAction SilentlyContinue
        $actual = switch ($record.Type) {
            'A' { $answer.IPAddress }
            'CNAME' { $answer.NameHost }
            'MX' { $answer.NameExchange }
            default { $answer.Strings -join ' ' }
        }
        [pscustomobject]@{
            Name     = $record.Name
            Type     = $record.Type
            Server   = $server
            Expected = $record.Expected
            Actual   = ($actual | Sort-Object) -join ', '
            Match    = $actual -contains $record.Expected
        }
    }
}
$mismatches = $results | Where-Object { -not $_.Match }
?verbose|Write-Verbose "$(@($mismatches).Count) mismatches across $(@($records).Count) records"
?!verbose|Write-Host "Mismatches: $(@($mismatches).Count)"
?extra|if ($mismatches) {
?extra|    $mismatches | Format-Table -AutoSize | Out-String | Write-Warning
?extra|    exit 2
?extra|}
$results""",
        example="-RecordFile .\\records.csv -DnsServer {{DnsServer}}",
        slots={"DnsServer": ("10.0.0.10", "10.10.1.4", "172.16.0.10", "192.168.10.5")},
        commits={"extra": "Exit with code 2 on mismatches so the monitoring job alerts"},
        insights=("-DnsOnly skips LLMNR and NetBIOS, so answers really come from DNS.",),
    ),
    Family(
        key="ip-config",
        category="Network Management",
        name="Get-NetworkConfigReport",
        titles=(
            "IP Configuration Inventory for {{SiteName}}",
            "Network Adapter and DNS Settings Audit ({{Dept}})",
            "Server NIC Configuration Report ({{Env}})",
        ),
        synopsis="Collects IP, gateway, DNS and adapter settings from servers.",
        description=(
            "Reads IP configuration and adapter link speed from every active interface on the "
            "given servers and warns about interfaces that use unexpected DNS servers."
        ),
        purpose=(
            "Documents the network configuration of {{SiteName}} servers and finds interfaces "
            "with wrong DNS servers."
        ),
        tags=("networking", "inventory", "remoting", "dns", "csv"),
        params=r"""
ComputerName|string[]|M||ValidateNotNullOrEmpty()|Computers to inventory.
DnsPrefix|string||'{{DnsPrefix}}'||Expected prefix of the DNS server addresses.
?export|ExportPath|string||'{{ReportDir}}\NetworkConfig-{{Site}}.csv'||CSV output path.""",
        body=r"""
$results = Invoke-Command -ComputerName $ComputerName -ErrorAction Continue -ScriptBlock {
    Get-NetIPConfiguration | Where-Object { $_.NetAdapter.Status -eq 'Up' } | ForEach-Object {
        $adapter = Get-NetAdapter -InterfaceIndex $_.InterfaceIndex
        [pscustomobject]@{
            Interface  = $_.InterfaceAlias
            IPv4       = $_.IPv4Address.IPAddress -join ', '
            Gateway    = $_.IPv4DefaultGateway.NextHop -join ', '
            DnsServers = $_.DNSServer.ServerAddresses -join ', '
            LinkSpeed  = $adapter.LinkSpeed
            Mac        = $adapter.MacAddress
?extra|            Dhcp       = (Get-NetIPInterface -InterfaceIndex $_.InterfaceIndex -AddressFamily IPv4).Dhcp
        }
    }
}
$results = $results | Select-Object * -ExcludeProperty RunspaceId, PSShowComputerName
?verbose|Write-Verbose "Collected $(@($results).Count) interfaces"
?export|$results | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
$wrongDns = $results | Where-Object { $_.DnsServers -notlike "$DnsPrefix*" }
if ($wrongDns) {
    Write-Warning "$(@($wrongDns).Count) interfaces use DNS servers outside $DnsPrefix"
}
$results""",
        example="-ComputerName {{Server1}}, {{Server2}}",
        slots={"DnsPrefix": ("10.0.0.", "10.10.1.", "172.16.0.", "192.168.10.")},
        commits={"extra": "Report whether each interface uses DHCP"},
    ),
    Family(
        key="dhcp-scopes",
        category="Network Management",
        name="Get-DhcpScopeUsage",
        titles=(
            "DHCP Scope Utilisation Report for {{SiteName}}",
            "Full DHCP Scopes Alert ({{Threshold}}%)",
            "DHCP Lease Capacity Check on {{DC}}",
        ),
        synopsis="Reports IPv4 DHCP scope utilisation and warns about full scopes.",
        description=(
            "Reads every IPv4 scope and its statistics from the DHCP server and warns about "
            "scopes that are at least {{Threshold}} percent used."
        ),
        purpose=("Warns the network team before {{SiteName}} DHCP scopes run out of addresses."),
        tags=("dhcp", "networking", "monitoring", "reporting"),
        params=r"""
DhcpServer|string||'{{DC}}'||DHCP server to query.
WarningPercent|int||{{Threshold}}|ValidateRange(50, 100)|Warn when a scope is at least this full.""",
        body=r"""
$scopes = Get-DhcpServerv4Scope -ComputerName $DhcpServer
$usage = foreach ($scope in $scopes) {
    $stats = Get-DhcpServerv4ScopeStatistics -ComputerName $DhcpServer -ScopeId $scope.ScopeId
    [pscustomobject]@{
        ScopeId     = $scope.ScopeId
        Name        = $scope.Name
        State       = $scope.State
        InUse       = $stats.InUse
        Free        = $stats.Free
        PercentUsed = [math]::Round($stats.PercentageInUse, 1)
        LeaseHours  = $scope.LeaseDuration.TotalHours
    }
}
$full = $usage | Where-Object PercentUsed -ge $WarningPercent
foreach ($scope in $full) {
?verbose|    Write-Verbose "$($scope.Name) ($($scope.ScopeId)) is $($scope.PercentUsed)% used"
?!verbose|    Write-Host "$($scope.Name) is $($scope.PercentUsed)% used" -ForegroundColor Red
?extra|    $reservations = Get-DhcpServerv4Reservation -ComputerName $DhcpServer -ScopeId $scope.ScopeId
?extra|    Write-Warning "$($scope.Name): $(@($reservations).Count) reservations; consider shorter leases"
}
?export|$usage | Export-Csv -Path '{{ReportDir}}\DhcpUsage-{{Site}}.csv' -NoTypeInformation
$usage | Sort-Object PercentUsed -Descending""",
        example="-DhcpServer {{DC}} -WarningPercent {{Threshold}}",
        modules=("DhcpServer",),
        slots={"Threshold": ("80", "85", "90", "95")},
        commits={"extra": "Show reservations for full scopes"},
    ),
)
