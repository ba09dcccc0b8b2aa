"""Task families of the "System Administration" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="disk-space",
        category="System Administration",
        name="Get-DiskSpaceReport",
        titles=(
            "Low Disk Space Report for {{SiteName}} Servers",
            "Disk Space Monitor for {{Dept}} File Servers",
            "Free Disk Space Check ({{Threshold}}% Threshold)",
        ),
        synopsis="Reports fixed disks whose free space is below a threshold.",
        description=(
            "Queries Win32_LogicalDisk on each target computer and lists every fixed volume "
            "with less than {{Threshold}} percent free space, so the {{Dept}} operations team "
            "can act before volumes fill up."
        ),
        purpose=(
            "Finds fixed volumes below {{Threshold}}% free space on {{SiteName}} servers and "
            "reports size, free space and percentage per drive."
        ),
        tags=("disk", "monitoring", "cim", "reporting", "csv"),
        params=r"""
ComputerName|string[]||@('{{Server1}}', '{{Server2}}')|ValidateNotNullOrEmpty()|Computers to query.
ThresholdPercent|int||{{Threshold}}|ValidateRange(1, 99)|Report volumes with less free space than this percentage.
?export|ExportPath|string||'{{ReportDir}}\DiskSpace-{{Site}}.csv'||Where to write the CSV report.""",
        body=r"""
$results = foreach ($computer in $ComputerName) {
?verbose|    Write-Verbose "Querying fixed disks on $computer"
?!verbose|    Write-Host "Checking $computer..."
?extra|    if (-not (Test-Connection -ComputerName $computer -Count 1 -Quiet)) {
?extra|        Write-Warning "$computer is offline, skipping"
?extra|        continue
?extra|    }
?modern|    $disks = Get-CimInstance -ClassName Win32_LogicalDisk -ComputerName $computer `
?!modern|    $disks = Get-WmiObject -Class Win32_LogicalDisk -ComputerName $computer `
        -Filter 'DriveType = 3'
    foreach ($disk in $disks) {
        $freePercent = [math]::Round(($disk.FreeSpace / $disk.Size) * 100, 1)
        if ($freePercent -lt $ThresholdPercent) {
            [pscustomobject]@{
                ComputerName = $computer
                Drive        = $disk.DeviceID
                SizeGB       = [math]::Round($disk.Size / 1GB, 1)
                FreeGB       = [math]::Round($disk.FreeSpace / 1GB, 1)
                FreePercent  = $freePercent
            }
        }
    }
}
?export|if ($ExportPath) {
?export|    $results | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
?export,verbose|    Write-Verbose "Wrote $(@($results).Count) rows to $ExportPath"
?export|}
$results | Sort-Object FreePercent""",
        example="-ComputerName {{Server1}}, {{Server2}} -ThresholdPercent {{Threshold}}",
        slots={"Threshold": ("5", "10", "15", "20", "25")},
        commits={
            "extra": "Skip offline hosts instead of failing",
            "modern": "Use Get-CimInstance instead of Get-WmiObject",
        },
        insights=(
            "The DriveType filter runs on the remote WMI provider, so only fixed disks cross "
            "the network.",
        ),
    ),
    Family(
        key="service-watchdog",
        category="System Administration",
        name="Restart-StoppedServices",
        titles=(
            "Restart Stopped Services on {{SiteName}} App Servers",
            "Service Watchdog for {{Service1}}",
            "Automatic Service Recovery ({{Dept}})",
        ),
        synopsis="Restarts automatic services that are not running.",
        description=(
            "Checks the listed services on each server and starts any automatic service that "
            "has stopped, retrying with a growing back-off."
        ),
        purpose=(
            "Keeps {{Service1}} and {{Service2}} running on the {{SiteName}} servers by "
            "restarting them when they stop."
        ),
        tags=("services", "monitoring", "remoting", "automation", "email"),
        params=r"""
ComputerName|string[]||@('{{Server1}}', '{{Server2}}')|ValidateNotNullOrEmpty()|Servers to check.
ServiceName|string[]||@('{{Service1}}', '{{Service2}}')|ValidateNotNullOrEmpty()|Services that must be running.
MaxAttempts|int||3|ValidateRange(1, 10)|Start attempts per service before giving up.""",
        body=r"""
foreach ($computer in $ComputerName) {
?modern|    $stopped = Invoke-Command -ComputerName $computer -ScriptBlock {
?modern|        Get-Service -Name $using:ServiceName |
?modern|            Where-Object { $_.Status -ne 'Running' -and $_.StartType -eq 'Automatic' }
?modern|    }
?!modern|    $stopped = Get-Service -ComputerName $computer -Name $ServiceName | ? Status -ne 'Running'
    foreach ($svc in $stopped) {
        $name = $svc.Name
?verbose|        Write-Verbose "$name on $computer is $($svc.Status)"
?!verbose|        Write-Host "$name on $computer is $($svc.Status)" -ForegroundColor Yellow
?whatif|        if (-not $PSCmdlet.ShouldProcess("$name on $computer", 'Start service')) { continue }
        $attempt = 0
        do {
            $attempt++
            Invoke-Command -ComputerName $computer -ScriptBlock { Start-Service -Name $using:name }
            Start-Sleep -Seconds (5 * $attempt)
            $status = Invoke-Command -ComputerName $computer -ScriptBlock {
                (Get-Service -Name $using:name).Status.ToString()
            }
        } until ($status -eq 'Running' -or $attempt -ge $MaxAttempts)
?extra|        if ($status -ne 'Running') {
?extra|            Send-MailMessage -SmtpServer '{{Smtp}}' -From '{{MailFrom}}' -To '{{MailTo}}' `
?extra|                -Subject "[{{EnvShort}}] $name failed to start on $computer" `
?extra|                -Body "Gave up after $attempt attempts."
?extra|        }
    }
}""",
        example="-ComputerName {{Server1}} -ServiceName {{Service1}}",
        slots={
            "Service1": ("W3SVC", "MSSQLSERVER", "Spooler", "WinRM", "BITS", "SQLSERVERAGENT"),
            "Service2": ("WAS", "SQLBrowser", "DFSR", "Netlogon", "wuauserv", "CcmExec"),
        },
        commits={
            "extra": "Email the on-call team when a restart fails",
            "modern": "Query services over Invoke-Command for PowerShell 7",
        },
        risks=("Restarting a service interrupts its users; run outside business hours.",),
    ),
    Family(
        key="pending-reboot",
        category="System Administration",
        name="Test-PendingReboot",
        titles=(
            "Pending Reboot Check for {{SiteName}}",
            "Find Servers Waiting for a Reboot ({{Env}})",
            "Post-Patching Reboot Audit for {{Dept}}",
        ),
        synopsis="Finds computers that have a reboot pending after updates.",
        description=(
            "Reads the Component Based Servicing, Windows Update and Session Manager registry "
            "keys on each computer to tell which ones still need a restart after patching."
        ),
        purpose=(
            "Reports which {{Env}} servers still need a restart after patching and, on "
            "request, restarts them."
        ),
        tags=("patching", "registry", "remoting", "inventory"),
        params=r"""
ComputerName|string[]|M||ValidateNotNullOrEmpty()|Computers to check.
?extra|Restart|switch||||Restart computers that have a pending reboot.""",
        body=r"""
$check = {
    $cbs = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing'
    $wu = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update'
    $sm = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager'
    [pscustomobject]@{
        ComputerName      = $env:COMPUTERNAME
        ComponentBased    = Test-Path -Path "$cbs\RebootPending"
        WindowsUpdate     = Test-Path -Path "$wu\RebootRequired"
        PendingFileRename = [bool]$sm.PendingFileRenameOperations
        LastHotFix        = (Get-HotFix | Sort-Object InstalledOn -Descending |
            Select-Object -First 1).HotFixID
    }
}
?verbose|Write-Verbose "Checking reboot state on $($ComputerName.Count) computer(s)"
$results = Invoke-Command -ComputerName $ComputerName -ScriptBlock $check -ErrorAction Continue
$pending = $results | Where-Object { $_.ComponentBased -or $_.WindowsUpdate -or $_.PendingFileRename }
?!verbose|Write-Host "$(@($pending).Count) computer(s) need a reboot"
?extra|if ($Restart) {
?extra|    foreach ($computer in $pending.ComputerName) {
?extra,whatif|        if (-not $PSCmdlet.ShouldProcess($computer, 'Restart-Computer')) { continue }
?extra|        Restart-Computer -ComputerName $computer -Force -Wait -For PowerShell -Timeout 900
?extra|    }
?extra|}
$pending | Select-Object ComputerName, ComponentBased, WindowsUpdate, PendingFileRename, LastHotFix""",
        example="-ComputerName {{Server1}}, {{Server2}}",
        commits={"extra": "Add -Restart to reboot the pending servers"},
        insights=("All computers are queried in parallel by a single Invoke-Command call.",),
    ),
    Family(
        key="cleanup-old-files",
        category="System Administration",
        name="Remove-OldFiles",
        titles=(
            "Purge Old {{App}} Log Files",
            "Temp and Log Cleanup for {{SiteName}} Servers",
            "Delete Files Older Than {{Days}} Days ({{App}})",
        ),
        synopsis="Deletes log and temp files older than a number of days.",
        description=(
            "Recursively removes files that match the given patterns and were last written "
            "more than {{Days}} days ago, and reports how much space was freed."
        ),
        purpose=(
            "Frees disk space by deleting {{App}} log and temp files older than {{Days}} days."
        ),
        tags=("cleanup", "disk", "logging", "event-log"),
        params=r"""
Path|string[]||'{{LogRoot}}\{{App}}'|ValidateScript({ Test-Path -Path $_ -PathType Container })|Folders to clean up.
OlderThanDays|int||{{Days}}|ValidateRange(1, 3650)|Delete files last written more than this many days ago.
Include|string[]||@('*.log', '*.tmp')||File name patterns to delete.""",
        body=r"""
$cutoff = (Get-Date).AddDays(-$OlderThanDays)
$totalBytes = 0
foreach ($folder in $Path) {
?verbose|    Write-Verbose "Scanning $folder for files older than $($cutoff.ToShortDateString())"
?modern|    $files = Get-ChildItem -Path $folder -Include $Include -Recurse -File |
?!modern|    $files = gci $folder -Include $Include -Recurse |
        Where-Object { $_.LastWriteTime -lt $cutoff }
    foreach ($file in $files) {
?whatif|        if (-not $PSCmdlet.ShouldProcess($file.FullName, 'Remove file')) { continue }
        Remove-Item -LiteralPath $file.FullName -Force
        $totalBytes += $file.Length
    }
}
?extra|Write-EventLog -LogName Application -Source 'Maintenance' -EventId 1001 -EntryType Information `
?extra|    -Message "Removed files older than $OlderThanDays days, freed $($totalBytes / 1MB) MB"
'Freed {0:N1} MB' -f ($totalBytes / 1MB)""",
        example="-Path '{{LogRoot}}\\{{App}}' -OlderThanDays {{Days}}",
        slots={
            "App": ("IIS", "AppService", "Tomcat", "Backup", "Sync", "ETL", "Citrix"),
            "Days": ("7", "14", "30", "45", "60", "90"),
        },
        commits={
            "extra": "Log the cleanup summary to the Application event log",
            "modern": "Replace gci alias with Get-ChildItem -File",
        },
        risks=("Deletes files permanently; a wrong -Path removes data that is not logs.",),
    ),
    Family(
        key="software-inventory",
        category="System Administration",
        name="Get-InstalledSoftware",
        titles=(
            "Installed Software Inventory for {{SiteName}}",
            "Find {{SoftwareName}} Installations",
            "Software Audit of {{Dept}} Servers",
        ),
        synopsis="Lists installed software from the Uninstall registry keys.",
        description=(
            "Collects installed products from the 32-bit and 64-bit Uninstall registry keys on "
            "each computer, filtered by display name, for licence and vulnerability audits."
        ),
        purpose=(
            "Builds an inventory of {{SoftwareName}} installations across {{SiteName}} servers "
            "for licence and patch audits."
        ),
        tags=("inventory", "registry", "remoting", "reporting", "csv"),
        params=r"""
ComputerName|string[]||@('{{Server1}}', '{{Server2}}', '{{Server3}}')|ValidateNotNullOrEmpty()|Computers to inventory.
NameFilter|string||'{{Software}}'||Only return products whose display name matches this wildcard.
?export|ExportPath|string||'{{ReportDir}}\Software-{{Site}}.csv'||CSV file for the inventory.""",
        body=r"""
?modern|$scriptBlock = {
?modern|    param($Filter)
?modern|    $keys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
?modern|        'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
?modern|    Get-ItemProperty -Path $keys -ErrorAction SilentlyContinue |
?modern|        Where-Object { $_.DisplayName -like $Filter } |
?modern|        Select-Object DisplayName, DisplayVersion, Publisher, InstallDate
?modern|}
?verbose|Write-Verbose "Collecting installed software from $($ComputerName -join ', ')"
?modern|$inventory = Invoke-Command -ComputerName $ComputerName -ScriptBlock $scriptBlock `
?modern|    -ArgumentList $NameFilter
?!modern|$inventory = Get-WmiObject -Class Win32_Product -ComputerName $ComputerName |
?!modern|    Where-Object { $_.Name -like $NameFilter }
$report = $inventory | Sort-Object PSComputerName, DisplayName |
    Select-Object PSComputerName, DisplayName, DisplayVersion, Publisher, InstallDate
?extra|$versions = $report | Group-Object DisplayVersion | Sort-Object Count -Descending
?extra|$versions | ForEach-Object { Write-Verbose "$($_.Name): $($_.Count) installation(s)" }
?export|$report | Export-Csv -Path $ExportPath -NoTypeInformation
$report""",
        example="-NameFilter '{{Software}}'",
        slots={
            "Software": (
                "*Java*",
                "*Adobe*",
                "*Chrome*",
                "*Office*",
                "*7-Zip*",
                "*SQL Server*",
                "*Citrix*",
                "*Zoom*",
            ),
            "SoftwareName": ("Java", "Adobe Reader", "Chrome", "Office", "7-Zip", "Citrix"),
        },
        commits={
            "extra": "Summarise installations per version",
            "modern": "Read the Uninstall keys instead of querying Win32_Product",
        },
        insights=(
            "Reading the Uninstall registry keys avoids Win32_Product, which triggers an MSI "
            "consistency check of every installed package.",
        ),
    ),
)
