"""Task families of the "Backup & Recovery" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="folder-archive",
        category="Backup & Recovery",
        name="Backup-FolderToArchive",
        titles=(
            "Zip Backup of {{Dept}} Folders with {{Retention}}-Day Retention",
            "Nightly Folder Archive to {{FileServer}}",
            "Compressed File Backup for {{SiteName}}",
        ),
        synopsis="Zips folders to a backup share and prunes old archives.",
        description=(
            "Compresses each source folder into a time-stamped zip on the backup share and "
            "deletes archives older than the retention period."
        ),
        purpose=(
            "Backs up {{Dept}} folders to {{FileServer}} as zip archives and keeps "
            "{{Retention}} days of history."
        ),
        tags=("backup", "cleanup", "scheduled-task"),
        params=r"""
SourcePath|string[]|M||ValidateScript({ Test-Path -Path $_ })|Folders to back up.
Destination|string||'{{BackupShare}}'|ValidateNotNullOrEmpty()|Share or folder that receives the archives.
RetentionDays|int||{{Retention}}|ValidateRange(1, 365)|Archives older than this are deleted.""",
        body=r"""
$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
if (-not (Test-Path -Path $Destination)) {
    New-Item -Path $Destination -ItemType Directory -Force | Out-Null
}
foreach ($source in $SourcePath) {
    $leaf = Split-Path -Path $source -Leaf
    $archive = Join-Path -Path $Destination -ChildPath "$leaf-$stamp.zip"
?verbose|    Write-Verbose "Compressing $source to $archive"
?!verbose|    Write-Host "Backing up $source..."
    Compress-Archive -Path (Join-Path -Path $source -ChildPath '*') -DestinationPath $archive `
        -CompressionLevel Optimal
?extra|    $hash = Get-FileHash -Path $archive -Algorithm SHA256
?extra|    Set-Content -Path "$archive.sha256" -Value $hash.Hash
}
$expired = Get-ChildItem -Path $Destination -Filter '*.zip' |
    Where-Object LastWriteTime -lt (Get-Date).AddDays(-$RetentionDays)
foreach ($file in $expired) {
?whatif|    if (-not $PSCmdlet.ShouldProcess($file.Name, 'Delete expired archive')) { continue }
    Remove-Item -Path $file.FullName -Force
?verbose|    Write-Verbose "Deleted expired archive $($file.Name)"
}""",
        example="-SourcePath 'D:\\Shares\\{{Dept}}' -RetentionDays {{Retention}}",
        slots={"Retention": ("7", "14", "30", "60", "90")},
        commits={"extra": "Write a SHA256 checksum next to each archive"},
        insights=(
            "Compress-Archive is limited to 2 GB per file in Windows PowerShell 5.1; use "
            "7-Zip or tar for larger data sets.",
        ),
    ),
    Family(
        key="robocopy-mirror",
        category="Backup & Recovery",
        name="Invoke-RobocopyMirror",
        titles=(
            "Robocopy Mirror of {{Dept}} Share to {{DrServer}}",
            "DR File Replication with Robocopy ({{SiteName}})",
            "Mirror File Server Data to the DR Site ({{Org}})",
        ),
        synopsis="Mirrors a folder to the DR file server with robocopy and checks the result.",
        description=(
            "Runs robocopy /MIR with multithreading and a log file, treats exit codes 8 and "
            "above as failures and summarises the copied files."
        ),
        purpose=("Keeps the {{Dept}} share mirrored to {{DrServer}} for disaster recovery."),
        tags=("backup", "restore", "logging", "scheduled-task"),
        params=r"""
Source|string|M||ValidateNotNullOrEmpty()|Folder to mirror.
Destination|string||'\\{{DrServer}}\Mirror\{{Dept}}'||Mirror target on the DR file server.
Threads|int||{{Threads}}|ValidateRange(1, 128)|Robocopy /MT thread count.
LogPath|string||'{{LogRoot}}\Robocopy'||Folder for robocopy logs.""",
        body=r"""
$log = Join-Path -Path $LogPath -ChildPath ('mirror-{0:yyyyMMdd}.log' -f (Get-Date))
$arguments = @($Source, $Destination, '/MIR', '/COPY:DAT', '/DCOPY:T', '/R:2', '/W:5',
    "/MT:$Threads", '/NP', '/NDL', "/LOG+:$log")
?whatif|if ($WhatIfPreference) { $arguments += '/L' }
?verbose|Write-Verbose "robocopy $($arguments -join ' ')"
& robocopy.exe @arguments | Out-Null
$exitCode = $LASTEXITCODE
# Robocopy exit codes below 8 mean success (1 = files copied, 2 = extras, 4 = mismatches).
if ($exitCode -ge 8) {
    throw "Robocopy failed with exit code $exitCode, see $log"
}
?extra|$summary = Select-String -Path $log -Pattern '^\s+(Files|Bytes)\s*:' | Select-Object -Last 2
?extra|$summary.Line | ForEach-Object { Write-Verbose $_.Trim() }
?!verbose|Write-Host "Mirror finished with exit code $exitCode"
[pscustomobject]@{ Source = $Source; Destination = $Destination; ExitCode = $exitCode; Log = $log }""",
        example="-Source 'D:\\Shares\\{{Dept}}' -Threads {{Threads}}",
        slots={"Threads": ("8", "16", "32", "64")},
        commits={
            "extra": "Summarise copied files and bytes from the log",
            "whatif": "Map -WhatIf to robocopy /L",
        },
        risks=("/MIR deletes files at the destination that no longer exist at the source.",),
    ),
    Family(
        key="sql-backup",
        category="Backup & Recovery",
        name="Backup-SqlDatabases",
        titles=(
            "SQL Server Database Backup for {{SqlServer}}",
            "Compressed SQL Backups with {{Retention}}-Day Retention",
            "Nightly {{DbName}} Backup to {{FileServer}}",
        ),
        synopsis="Backs up SQL Server databases with compression and checksum.",
        description=(
            "Backs up every online database that matches the filter to a UNC path with "
            "compression and checksums, optionally verifies each backup and prunes old .bak "
            "files."
        ),
        purpose=(
            "Takes compressed, verified backups of the databases on {{SqlServer}} and keeps "
            "{{Retention}} days of them."
        ),
        tags=("sql-server", "backup", "restore", "cleanup"),
        params=r"""
ServerInstance|string||'{{SqlServer}}'|ValidateNotNullOrEmpty()|SQL Server instance.
BackupPath|string||'\\{{FileServer}}\SqlBackups\{{SqlServer}}'||UNC path for the .bak files.
Database|string[]||'*'||Databases to back up (wildcards allowed).
RetentionDays|int||{{Retention}}|ValidateRange(1, 90)|Delete backups older than this.
?extra|Verify|switch||||Run RESTORE VERIFYONLY on each new backup.""",
        body=r"""
$databases = Get-SqlDatabase -ServerInstance $ServerInstance |
    Where-Object { $_.Name -ne 'tempdb' -and $_.Status -eq 'Normal' } |
    Where-Object { $name = $_.Name; $Database | Where-Object { $name -like $_ } }
$stamp = Get-Date -Format 'yyyyMMdd_HHmm'
foreach ($db in $databases) {
    $file = Join-Path -Path $BackupPath -ChildPath "$($db.Name)_$stamp.bak"
?verbose|    Write-Verbose "Backing up $($db.Name) to $file"
?!verbose|    Write-Host "Backing up $($db.Name)"
    Backup-SqlDatabase -ServerInstance $ServerInstance -Database $db.Name -BackupFile $file `
        -CompressionOption On -Checksum
?extra|    if ($Verify) {
?extra|        $query = "RESTORE VERIFYONLY FROM DISK = N'$file' WITH CHECKSUM"
?extra|        Invoke-Sqlcmd -ServerInstance $ServerInstance -Query $query -QueryTimeout 3600
?extra|    }
}
Get-ChildItem -Path $BackupPath -Filter '*.bak' |
    Where-Object LastWriteTime -lt (Get-Date).AddDays(-$RetentionDays) |
?whatif|    Where-Object { $PSCmdlet.ShouldProcess($_.Name, 'Delete old backup') } |
    Remove-Item -Force""",
        example="-ServerInstance {{SqlServer}} -RetentionDays {{Retention}}",
        modules=("SqlServer",),
        slots={
            "Retention": ("7", "14", "21", "30"),
            "DbName": ("SalesDW", "HRIS", "Inventory", "CRM", "FinanceMart", "Ticketing"),
        },
        commits={"extra": "Add -Verify to run RESTORE VERIFYONLY"},
        insights=("Backup compression usually halves backup time on I/O-bound servers.",),
    ),
    Family(
        key="hyperv-checkpoints",
        category="Backup & Recovery",
        name="Invoke-VMCheckpointRotation",
        titles=(
            "Hyper-V Checkpoint Rotation on {{HvHost}}",
            "Scheduled VM Checkpoints Keeping the Last {{Keep}}",
            "Pre-Patch VM Checkpoints for {{SiteName}}",
        ),
        synopsis="Creates scheduled Hyper-V checkpoints and removes old ones.",
        description=(
            "Creates a time-stamped checkpoint of each running VM on the host and keeps only "
            "the newest {{Keep}} scheduled checkpoints per VM."
        ),
        purpose=(
            "Gives {{HvHost}} VMs a quick rollback point before patching while keeping "
            "checkpoint storage bounded."
        ),
        tags=("hyper-v", "backup", "restore", "scheduled-task"),
        params=r"""
ComputerName|string||'{{HvHost}}'||Hyper-V host.
VMName|string[]||'*'||VMs to checkpoint (wildcards allowed).
Keep|int||{{Keep}}|ValidateRange(1, 20)|Number of scheduled checkpoints to keep per VM.""",
        body=r"""
$prefix = 'Scheduled'
$vms = Get-VM -ComputerName $ComputerName -Name $VMName | Where-Object State -eq 'Running'
foreach ($vm in $vms) {
    $name = '{0} {1:yyyy-MM-dd HH:mm}' -f $prefix, (Get-Date)
?verbose|    Write-Verbose "Creating checkpoint '$name' on $($vm.Name)"
?extra|    Set-VM -VM $vm -CheckpointType Production
    Checkpoint-VM -VM $vm -SnapshotName $name
    $old = Get-VMSnapshot -VM $vm | Where-Object Name -like "$prefix *" |
        Sort-Object CreationTime -Descending | Select-Object -Skip $Keep
    foreach ($snapshot in $old) {
?whatif|        $label = "$($vm.Name)\$($snapshot.Name)"
?whatif|        if (-not $PSCmdlet.ShouldProcess($label, 'Remove checkpoint')) { continue }
        Remove-VMSnapshot -VMSnapshot $snapshot
    }
}
Get-VMSnapshot -ComputerName $ComputerName -VMName $VMName |
    Group-Object VMName | Select-Object Name, Count""",
        example="-ComputerName {{HvHost}} -Keep {{Keep}}",
        modules=("Hyper-V",),
        slots={"Keep": ("2", "3", "5", "7")},
        commits={"extra": "Use production checkpoints (VSS-consistent)"},
        risks=("Checkpoints are not backups; long checkpoint chains slow disk I/O.",),
        admin=True,
    ),
)
