"""Task families of the "Monitoring & Diagnostics" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="perf-counters",
        category="Monitoring & Diagnostics",
        name="Get-PerformanceSnapshot",
        titles=(
            "Performance Counter Baseline for {{SiteName}}",
            "CPU, Memory and Disk Latency Sampling ({{Dept}})",
            "Server Performance Snapshot ({{Env}})",
        ),
        synopsis="Samples CPU, memory, disk and network counters and summarises them.",
        description=(
            "Samples a fixed set of performance counters on each server, keeps the raw "
            "samples and returns average and maximum per counter."
        ),
        purpose=(
            "Captures a CPU, memory, disk and network baseline for {{SiteName}} servers before "
            "and after changes."
        ),
        tags=("performance", "monitoring", "csv"),
        params=r"""
ComputerName|string[]||@('{{Server1}}', '{{Server2}}')|ValidateNotNullOrEmpty()|Computers to sample.
SampleInterval|int||{{Interval}}|ValidateRange(1, 300)|Seconds between samples.
MaxSamples|int||{{Samples}}|ValidateRange(1, 1440)|Number of samples to take.
?export|ExportPath|string||'{{ReportDir}}\Perf-{{Site}}.csv'||CSV file for the raw samples.""",
        body=r"""
$counters = @(
    '\Processor(_Total)\% Processor Time'
    '\Memory\Available MBytes'
    '\LogicalDisk(_Total)\% Free Space'
    '\PhysicalDisk(_Total)\Avg. Disk sec/Read'
    '\Network Interface(*)\Bytes Total/sec'
)
?verbose|Write-Verbose "Sampling $($counters.Count) counters every $SampleInterval s"
$samples = Get-Counter -ComputerName $ComputerName -Counter $counters `
    -SampleInterval $SampleInterval -MaxSamples $MaxSamples
$rows = foreach ($sample in $samples) {
    foreach ($value in $sample.CounterSamples) {
        [pscustomobject]@{
            Timestamp = $sample.Timestamp
            Computer  = ($value.Path -split '\\')[2]
            Counter   = ($value.Path -split '\\', 4)[3]
            Value     = [math]::Round($value.CookedValue, 2)
        }
    }
}
$summary = $rows | Group-Object Computer, Counter | ForEach-Object {
    $stats = $_.Group | Measure-Object Value -Average -Maximum
    [pscustomobject]@{
        Series  = $_.Name
        Average = [math]::Round($stats.Average, 2)
        Max     = $stats.Maximum
    }
}
?export|$rows | Export-Csv -Path $ExportPath -NoTypeInformation
?extra|$cpu = $summary | Where-Object { $_.Series -like '*Processor Time' -and $_.Average -gt {{CpuAlert}} }
?extra|if ($cpu) { Write-Warning "Sustained CPU above {{CpuAlert}}%: $($cpu.Series -join '; ')" }
$summary""",
        example="-ComputerName {{Server1}} -SampleInterval {{Interval}} -MaxSamples {{Samples}}",
        slots={
            "Interval": ("5", "10", "15", "30", "60"),
            "Samples": ("12", "30", "60", "120"),
            "CpuAlert": ("70", "80", "85", "90"),
        },
        commits={"extra": "Warn about sustained high CPU"},
    ),
    Family(
        key="event-errors",
        category="Monitoring & Diagnostics",
        name="Get-EventLogErrorSummary",
        titles=(
            "Event Log Error Summary for {{SiteName}} Servers",
            "Top {{Top}} Error Sources in the Last {{Hours}} Hours",
            "Daily System and Application Error Digest ({{Dept}})",
        ),
        synopsis="Summarises critical and error events per source across servers.",
        description=(
            "Reads critical and error events from the System and Application logs, groups "
            "them by provider and event ID and lists the most frequent ones with a sample "
            "message."
        ),
        purpose=(
            "Gives the {{Dept}} on-call engineer a daily digest of the most frequent errors "
            "on {{SiteName}} servers."
        ),
        tags=("event-log", "monitoring", "html-report", "reporting"),
        params=r"""
ComputerName|string[]||@('{{Server1}}', '{{Server2}}', '{{Server3}}')|ValidateNotNullOrEmpty()|Computers to query.
LogName|string[]||@('System', 'Application')|ValidateSet('System', 'Application', 'Setup')|Logs to read.
Hours|int||{{Hours}}|ValidateRange(1, 720)|Look-back window in hours.
Top|int||{{Top}}|ValidateRange(1, 100)|How many sources to list.""",
        body=r"""
$since = (Get-Date).AddHours(-$Hours)
$filter = @{ LogName = $LogName; Level = 1, 2; StartTime = $since }
$events = foreach ($computer in $ComputerName) {
?verbose|    Write-Verbose "Reading $($LogName -join ', ') on $computer"
    Get-WinEvent -ComputerName $computer -FilterHashtable $filter -ErrorAction SilentlyContinue
}
$summary = $events | Group-Object -Property ProviderName, Id | Sort-Object Count -Descending |
    Select-Object -First $Top -Property Count,
        @{ n = 'Source'; e = { $_.Group[0].ProviderName } },
        @{ n = 'EventId'; e = { $_.Group[0].Id } },
        @{ n = 'Computers'; e = { ($_.Group.MachineName | Sort-Object -Unique) -join ', ' } },
        @{ n = 'Sample'; e = { $_.Group[0].Message -replace '\s+', ' ' } }
?!verbose|Write-Host "$(@($events).Count) error events since $since"
?extra|$html = $summary | ConvertTo-Html -Title 'Event log errors' -PreContent "<h2>Since $since</h2>"
?extra|$html | Out-File -FilePath '{{ReportDir}}\EventErrors-{{Site}}.html' -Encoding utf8
$summary""",
        example="-ComputerName {{Server1}} -Hours {{Hours}} -Top {{Top}}",
        slots={"Hours": ("12", "24", "48", "72"), "Top": ("10", "15", "20", "25")},
        commits={"extra": "Write an HTML digest"},
        insights=(
            "Level = 1, 2 in the filter hashtable returns only critical and error events from "
            "the server side.",
        ),
    ),
    Family(
        key="web-health",
        category="Monitoring & Diagnostics",
        name="Test-WebEndpoints",
        titles=(
            "HTTP Health Check for {{WebHost}}",
            "Website Availability and Latency Probe ({{Env}})",
            "Endpoint Monitor with Teams Alerts for {{Dept}}",
        ),
        synopsis="Probes HTTP endpoints and reports status code and latency.",
        description=(
            "Requests each health endpoint, measures the response time and classifies the "
            "endpoint as Up, Degraded (slower than the limit) or Down."
        ),
        purpose=(
            "Monitors availability and latency of the {{WebHost}} endpoints and alerts when "
            "one is down or slow."
        ),
        tags=("monitoring", "iis", "networking", "automation"),
        params=r"""
Url|string[]||@('https://{{WebHost}}/health', 'https://{{WebHost}}/api/status')|ValidateNotNullOrEmpty()|Endpoints to probe.
TimeoutSec|int||{{Timeout}}|ValidateRange(1, 120)|Request timeout.
MaxResponseMs|int||{{MaxMs}}|ValidateRange(50, 60000)|Slower responses are reported as degraded.""",
        body=r"""
?!secure|[System.Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
$results = foreach ($endpoint in $Url) {
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        $response = Invoke-WebRequest -Uri $endpoint -UseBasicParsing -TimeoutSec $TimeoutSec
        $status = $response.StatusCode
    }
    catch {
        $status = $_.Exception.Response.StatusCode.value__
    }
    $watch.Stop()
    $state = switch ($true) {
        ($status -ne 200) { 'Down'; break }
        ($watch.ElapsedMilliseconds -gt $MaxResponseMs) { 'Degraded'; break }
        default { 'Up' }
    }
?verbose|    Write-Verbose "$endpoint -> $status in $($watch.ElapsedMilliseconds) ms"
    [pscustomobject]@{
        Url        = $endpoint
        StatusCode = $status
        Ms         = $watch.ElapsedMilliseconds
        State      = $state
    }
}
?extra|$down = $results | Where-Object State -ne 'Up'
?extra|if ($down) {
?extra|    $payload = @{ text = "{{Org}}: $(@($down).Count) endpoint(s) not healthy" } | ConvertTo-Json
?extra|    Invoke-RestMethod -Uri '{{Webhook}}' -Method Post -ContentType 'application/json' `
?extra|        -Body $payload
?extra|}
$results""",
        example="-Url https://{{WebHost}}/health -MaxResponseMs {{MaxMs}}",
        slots={"Timeout": ("5", "10", "15", "30"), "MaxMs": ("500", "800", "1000", "2000")},
        commits={
            "extra": "Post an alert to the Teams channel",
            "secure": "Stop disabling TLS certificate validation",
        },
    ),
    Family(
        key="top-processes",
        category="Monitoring & Diagnostics",
        name="Get-TopProcesses",
        titles=(
            "Top Processes by {{SortBy}} on {{Server1}}",
            "Resource-Hungry Process Finder ({{SiteName}})",
            "Process Snapshot for Slow {{Dept}} Servers",
        ),
        synopsis="Lists the processes using the most CPU, memory or handles.",
        description=(
            "Returns the top processes per computer by CPU time, working set or handle count, "
            "optionally with the owning user, to troubleshoot slow servers."
        ),
        purpose=(
            "Helps troubleshoot slow {{SiteName}} servers by showing which processes use the "
            "most {{SortBy}}."
        ),
        tags=("performance", "monitoring", "remoting", "cim"),
        params=r"""
ComputerName|string[]||'{{Server1}}'|ValidateNotNullOrEmpty()|Computers to inspect.
Top|int||{{Top}}|ValidateRange(1, 50)|Number of processes per computer.
SortBy|string||'{{SortBy}}'|ValidateSet('CPU', 'WorkingSet64', 'Handles')|Property to rank processes by.""",
        body=r"""
$results = Invoke-Command -ComputerName $ComputerName -ArgumentList $Top, $SortBy -ScriptBlock {
    param($Top, $SortBy)
?extra|    $owners = @{}
?extra|    Get-CimInstance -ClassName Win32_Process | ForEach-Object {
?extra|        $owner = Invoke-CimMethod -InputObject $_ -MethodName GetOwner
?extra|        $owners[[int]$_.ProcessId] = "$($owner.Domain)\$($owner.User)"
?extra|    }
    Get-Process | Sort-Object -Property $SortBy -Descending | Select-Object -First $Top |
        Select-Object Name, Id, CPU, Handles,
?extra|            @{ n = 'Owner'; e = { $owners[$_.Id] } },
            @{ n = 'WorkingSetMB'; e = { [math]::Round($_.WorkingSet64 / 1MB) } }
}
?verbose|Write-Verbose "Collected $(@($results).Count) processes"
$results | Sort-Object PSComputerName, $SortBy -Descending |
    Select-Object -Property * -ExcludeProperty RunspaceId, PSShowComputerName""",
        example="-ComputerName {{Server1}} -SortBy {{SortBy}} -Top {{Top}}",
        slots={"SortBy": ("CPU", "WorkingSet64", "Handles"), "Top": ("5", "10", "15", "20")},
        commits={"extra": "Show the owner of each process"},
        insights=("Calling GetOwner per process is slow; only enable it when needed.",),
    ),
    Family(
        key="uptime",
        category="Monitoring & Diagnostics",
        name="Get-ServerUptimeReport",
        titles=(
            "Server Uptime and Last Boot Report ({{SiteName}})",
            "Servers Not Rebooted in {{Days}} Days",
            "Patch Compliance by Uptime for {{Dept}}",
        ),
        synopsis="Reports last boot time and uptime per server.",
        description=(
            "Reads Win32_OperatingSystem from each server and flags servers whose uptime is "
            "longer than the patch cycle, which usually means missed updates."
        ),
        purpose=(
            "Flags {{SiteName}} servers that have not rebooted for {{Days}} days and so "
            "probably missed patching."
        ),
        tags=("monitoring", "patching", "cim", "event-log", "csv"),
        params=r"""
ComputerName|string[]||@('{{Server1}}', '{{Server2}}', '{{Server3}}')|ValidateNotNullOrEmpty()|Servers to check.
MaxUptimeDays|int||{{Days}}|ValidateRange(1, 365)|Flag servers up longer than this many days.""",
        body=r"""
$report = foreach ($computer in $ComputerName) {
?modern|    $os = Get-CimInstance -ClassName Win32_OperatingSystem -ComputerName $computer
?modern|    $boot = $os.LastBootUpTime
?!modern|    $os = Get-WmiObject -Class Win32_OperatingSystem -ComputerName $computer
?!modern|    $boot = $os.ConvertToDateTime($os.LastBootUpTime)
    $uptime = (Get-Date) - $boot
    [pscustomobject]@{
        ComputerName = $computer
        OS           = $os.Caption
        LastBoot     = $boot
        UptimeDays   = [math]::Round($uptime.TotalDays, 1)
        NeedsReboot  = $uptime.TotalDays -gt $MaxUptimeDays
    }
}
?verbose|Write-Verbose "$(@($report | Where-Object NeedsReboot).Count) servers exceed $MaxUptimeDays days"
?extra|$report | Where-Object NeedsReboot | ForEach-Object {
?extra|    Write-EventLog -LogName Application -Source 'UptimeMonitor' -EventId 3001 -EntryType Warning `
?extra|        -Message "$($_.ComputerName) has been up for $($_.UptimeDays) days"
?extra|}
?export|$report | Export-Csv -Path '{{ReportDir}}\Uptime-{{Site}}.csv' -NoTypeInformation
$report | Sort-Object UptimeDays -Descending""",
        example="-ComputerName {{Server1}}, {{Server2}} -MaxUptimeDays {{Days}}",
        slots={"Days": ("30", "35", "45", "60")},
        commits={
            "extra": "Raise an event for servers that need a reboot",
            "modern": "Use Get-CimInstance; LastBootUpTime is already a DateTime",
        },
    ),
)
