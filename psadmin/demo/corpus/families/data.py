"""Task families of the "Data Management" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="csv-merge",
        category="Data Management",
        name="Merge-CsvReports",
        titles=(
            "Merge and De-duplicate {{Dept}} CSV Exports",
            "Combine Daily CSV Files by {{KeyColumn}}",
            "CSV Consolidation for {{Org}} Reporting",
        ),
        synopsis="Merges CSV files and keeps one row per key.",
        description=(
            "Reads every CSV file in a folder in date order and keeps the newest row per "
            "{{KeyColumn}}, writing a single de-duplicated CSV."
        ),
        purpose=(
            "Consolidates the daily {{Dept}} exports into one CSV with a single row per "
            "{{KeyColumn}}."
        ),
        tags=("csv", "reporting", "automation"),
        params=r"""
InputFolder|string|M||ValidateScript({ Test-Path -Path $_ -PathType Container })|Folder with the CSV exports to merge.
KeyColumn|string||'{{KeyColumn}}'||Column that identifies a record; later files win.
OutputPath|string||'{{ReportDir}}\Merged-{{Site}}.csv'||Merged CSV file.
Delimiter|char||'{{Delimiter}}'|ValidateSet(',', ';')|Field delimiter of the source files.""",
        body=r"""
$files = Get-ChildItem -Path $InputFolder -Filter '*.csv' | Sort-Object LastWriteTime
?verbose|Write-Verbose "Merging $($files.Count) files from $InputFolder"
$merged = [ordered]@{}
foreach ($file in $files) {
    foreach ($row in Import-Csv -Path $file.FullName -Delimiter $Delimiter) {
        $key = $row.$KeyColumn
        if ([string]::IsNullOrWhiteSpace($key)) { continue }
?extra|        $row | Add-Member -NotePropertyName SourceFile -NotePropertyValue $file.Name -Force
        $merged[$key.Trim().ToLowerInvariant()] = $row
    }
}
$merged.Values | Export-Csv -Path $OutputPath -NoTypeInformation -Encoding UTF8 -Delimiter $Delimiter
?verbose|Write-Verbose "Wrote $($merged.Count) unique rows to $OutputPath"
?!verbose|Write-Host "Wrote $($merged.Count) unique rows to $OutputPath"
Get-Item -Path $OutputPath""",
        example="-InputFolder '{{ReportDir}}\\Daily' -KeyColumn {{KeyColumn}}",
        slots={
            "KeyColumn": (
                "EmployeeId",
                "Email",
                "AssetTag",
                "SamAccountName",
                "InvoiceNumber",
                "SerialNumber",
            ),
            "Delimiter": (",", ";"),
        },
        commits={"extra": "Record the source file of each row"},
        insights=(
            "An ordered hashtable keyed by the record ID de-duplicates in one pass instead of "
            "Sort-Object -Unique over all rows.",
        ),
    ),
    Family(
        key="sql-export",
        category="Data Management",
        name="Export-SqlQueryToCsv",
        titles=(
            "Export {{DbName}} Query Results to CSV",
            "Scheduled SQL Report Extract from {{SqlServer}}",
            "SQL to CSV Export for {{Dept}} Reporting",
        ),
        synopsis="Runs a SQL query file and exports the result to CSV.",
        description=(
            "Runs the SELECT statement from a .sql file against {{DbName}} on {{SqlServer}} "
            "and writes the rows to CSV for the {{Dept}} team."
        ),
        purpose=("Delivers a daily extract of {{DbName}} data to the {{Dept}} team as CSV."),
        tags=("sql-server", "csv", "reporting", "credentials"),
        params=r"""
ServerInstance|string||'{{SqlServer}}'||SQL Server instance.
Database|string||'{{DbName}}'||Database to query.
QueryFile|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|.sql file with the SELECT statement.
OutputPath|string||'{{ReportDir}}\{{DbName}}-export.csv'||CSV output path.
?secure|Credential|pscredential||||SQL login; omit to use Windows authentication.""",
        body=r"""
$query = Get-Content -Path $QueryFile -Raw
$sqlParams = @{
    ServerInstance = $ServerInstance
    Database       = $Database
    Query          = $query
    QueryTimeout   = {{QueryTimeout}}
?!secure|    Username       = 'report_reader'
?!secure|    Password       = '{{WeakPassword}}'
}
?secure|if ($Credential) { $sqlParams.Credential = $Credential }
?verbose|Write-Verbose "Running $(Split-Path -Path $QueryFile -Leaf) against $ServerInstance/$Database"
$rows = Invoke-Sqlcmd @sqlParams
?extra|$rows = $rows | Select-Object -Property * `
?extra|    -ExcludeProperty ItemArray, Table, RowError, RowState, HasErrors
$rows | Export-Csv -Path $OutputPath -NoTypeInformation -Encoding UTF8
?!verbose|Write-Host "$(@($rows).Count) rows exported to $OutputPath"
Get-Item -Path $OutputPath""",
        example="-QueryFile .\\queries\\{{DbName}}.sql",
        modules=("SqlServer",),
        slots={
            "DbName": ("SalesDW", "HRIS", "Inventory", "CRM", "FinanceMart", "Ticketing"),
            "QueryTimeout": ("60", "120", "300", "600"),
            "WeakPassword": ("Report2024!", "Passw0rd!", "Readonly#1", "Sql!Reader9"),
        },
        commits={
            "extra": "Drop DataRow housekeeping columns from the CSV",
            "secure": "Accept a PSCredential instead of an embedded SQL password",
        },
    ),
    Family(
        key="json-config",
        category="Data Management",
        name="Update-AppSettingsJson",
        titles=(
            "Update appsettings.json for {{EnvName}}",
            "JSON Config Transform for {{WebApp}}",
            "Set Connection String in appsettings ({{SqlServer}})",
        ),
        synopsis="Updates connection string, log level and environment in appsettings.json.",
        description=(
            "Loads an ASP.NET Core appsettings.json, sets the connection string, the default "
            "log level and the environment name, and writes it back."
        ),
        purpose=("Prepares the {{WebApp}} configuration for {{EnvName}} during deployment."),
        tags=("json", "deployment", "automation"),
        params=r"""
Path|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|appsettings.json to update.
Environment|string||'{{EnvName}}'|ValidateSet('Development', 'Test', 'Staging', 'Production')|Target environment.
ConnectionString|string||'Server={{SqlServer}};Database={{DbName}};Integrated Security=true'||Connection string to write.""",
        body=r"""
$settings = Get-Content -Path $Path -Raw | ConvertFrom-Json
?extra|$backup = "$Path.$(Get-Date -Format yyyyMMddHHmmss).bak"
?extra|Copy-Item -Path $Path -Destination $backup
$settings.ConnectionStrings.DefaultConnection = $ConnectionString
$settings.Logging.LogLevel.Default = if ($Environment -eq 'Production') { 'Warning' } else { 'Information' }
if ($settings.PSObject.Properties['Environment']) {
    $settings.Environment = $Environment
}
else {
    $settings | Add-Member -NotePropertyName Environment -NotePropertyValue $Environment
}
?whatif|if (-not $PSCmdlet.ShouldProcess($Path, "Write $Environment settings")) { return }
$settings | ConvertTo-Json -Depth 10 | Set-Content -Path $Path -Encoding UTF8
?verbose|Write-Verbose "Updated $Path for $Environment"
?extra,verbose|Write-Verbose "Previous version saved as $backup"
?!verbose|Write-Host "Updated $Path" -ForegroundColor Green""",
        example="-Path .\\appsettings.json -Environment {{EnvName}}",
        slots={
            "EnvName": ("Development", "Test", "Staging", "Production"),
            "WebApp": ("intranet", "hr-portal", "timesheets", "helpdesk", "api-gateway"),
            "DbName": ("SalesDW", "HRIS", "Inventory", "CRM", "Ticketing"),
        },
        commits={"extra": "Keep a time-stamped backup of the previous file"},
        insights=("ConvertTo-Json defaults to depth 2; -Depth 10 keeps nested sections intact.",),
    ),
    Family(
        key="log-rotation",
        category="Data Management",
        name="Invoke-LogRotation",
        titles=(
            "Monthly Log Archive for {{App}}",
            "Log Rotation and Retention ({{DeleteDays}} Days)",
            "Compress and Archive {{App}} Logs to {{FileServer}}",
        ),
        synopsis="Compresses old log files into monthly archives and prunes old archives.",
        description=(
            "Groups log files older than the threshold by month, compresses each month into "
            "one zip on the archive share, deletes the originals and removes archives past "
            "retention."
        ),
        purpose=("Keeps {{App}} logs searchable by month while capping local disk use."),
        tags=("logging", "backup", "cleanup", "event-log"),
        params=r"""
LogPath|string||'{{LogRoot}}\{{App}}'|ValidateNotNullOrEmpty()|Folder with the application logs.
ArchivePath|string||'{{BackupShare}}\Logs'||Where monthly archives are stored.
CompressAfterDays|int||{{Days}}|ValidateRange(1, 90)|Compress logs older than this.
DeleteAfterDays|int||{{DeleteDays}}|ValidateRange(30, 3650)|Delete archives older than this.""",
        body=r"""
$now = Get-Date
$logs = Get-ChildItem -Path $LogPath -Filter '*.log' -File |
    Where-Object LastWriteTime -lt $now.AddDays(-$CompressAfterDays)
$byMonth = $logs | Group-Object { $_.LastWriteTime.ToString('yyyy-MM') }
foreach ($group in $byMonth) {
    $zip = Join-Path -Path $ArchivePath -ChildPath "$(Split-Path $LogPath -Leaf)-$($group.Name).zip"
?verbose|    Write-Verbose "Archiving $($group.Count) files to $zip"
    Compress-Archive -Path $group.Group.FullName -DestinationPath $zip -Update
    $group.Group | Remove-Item -Force
}
Get-ChildItem -Path $ArchivePath -Filter '*.zip' |
    Where-Object LastWriteTime -lt $now.AddDays(-$DeleteAfterDays) |
?whatif|    Where-Object { $PSCmdlet.ShouldProcess($_.Name, 'Delete old archive') } |
    Remove-Item -Force
?extra|$freed = ($logs | Measure-Object Length -Sum).Sum / 1MB
?extra|Write-EventLog -LogName Application -Source 'LogRotation' -EventId 2001 -EntryType Information `
?extra|    -Message ('Rotated {0} log files ({1:N1} MB) in {2}' -f $logs.Count, $freed, $LogPath)""",
        example="-LogPath '{{LogRoot}}\\{{App}}' -DeleteAfterDays {{DeleteDays}}",
        slots={
            "App": ("IIS", "AppService", "Tomcat", "Sync", "ETL", "Nginx"),
            "Days": ("7", "14", "30"),
            "DeleteDays": ("90", "180", "365", "730"),
        },
        commits={"extra": "Log the rotation summary to the event log"},
    ),
)
