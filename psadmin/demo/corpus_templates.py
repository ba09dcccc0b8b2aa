"""Data for the demo corpus: task families, value pools, cmdlet reference and analysis rules.

Only data lives here; `corpus.py` turns it into scripts. A template line may start with a
feature marker: `?export|` keeps the line only when the script version has that feature,
`?!modern|` only when it lacks it, and `?extra,!whatif|` requires both conditions. `{{Name}}`
is a slot filled per script from the shared context or the family's own `slots`.

Parameter lines read `Name|Type|Flags|Default|Validation|Description`; Flags holds `M` for
a mandatory parameter. Families never put `|` in a validation attribute.
"""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Family:
    """One kind of task; every script of a family shares its cmdlets and structure."""

    key: str
    category: str
    name: str
    titles: tuple[str, ...]
    synopsis: str
    description: str
    purpose: str
    tags: tuple[str, ...]
    params: str
    body: str
    example: str
    modules: tuple[str, ...] = ()
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    commits: dict[str, str] = field(default_factory=dict)
    insights: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    ps_version: str = "5.1"
    admin: bool = False


# --- public vocabularies (re-exported by corpus.py) ---------------------------------------------

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("System Administration", "Server and workstation upkeep: disks, services, patching."),
    ("Security & Compliance", "Auditing, hardening, encryption and permission reviews."),
    ("Active Directory", "User, group and computer lifecycle in Active Directory."),
    ("Cloud Management", "Azure and AWS resources, cost control and cloud hygiene."),
    ("Network Management", "Connectivity, DNS, DHCP and adapter configuration."),
    ("Monitoring & Diagnostics", "Performance, event logs, uptime and health checks."),
    ("Backup & Recovery", "Backups, replication, checkpoints and restore tests."),
    ("Automation & DevOps", "Scheduled tasks, deployments, CI and software rollout."),
    ("Data Management", "CSV, JSON, SQL extracts and log archiving."),
    ("Exchange & Microsoft 365", "Mailboxes, permissions, licences and mail flow."),
)

TAGS: tuple[str, ...] = (
    "active-directory",
    "auditing",
    "automation",
    "aws",
    "azure",
    "backup",
    "certificates",
    "ci-cd",
    "cim",
    "cleanup",
    "compliance",
    "cost-optimization",
    "credentials",
    "csv",
    "deployment",
    "dhcp",
    "disk",
    "dns",
    "email",
    "encryption",
    "event-log",
    "exchange-online",
    "html-report",
    "hyper-v",
    "iis",
    "inventory",
    "json",
    "licensing",
    "logging",
    "mailbox",
    "microsoft-365",
    "microsoft-graph",
    "monitoring",
    "networking",
    "patching",
    "performance",
    "permissions",
    "pester",
    "powershell-7",
    "registry",
    "remoting",
    "reporting",
    "restore",
    "scheduled-task",
    "security",
    "services",
    "sql-server",
    "user-management",
)

# Optional parts of a script, in the order they are rendered and listed.
FEATURE_ORDER: tuple[str, ...] = (
    "help",
    "validation",
    "errors",
    "verbose",
    "whatif",
    "export",
    "modern",
    "secure",
    "extra",
    "logging",
)
# Chance that the latest version has an optional feature; missing ones become advice.
LATEST_CHANCE: dict[str, float] = {
    "errors": 0.9,
    "verbose": 0.8,
    "whatif": 0.85,
    "export": 0.75,
    "modern": 0.85,
    "secure": 0.8,
    "extra": 0.7,
    "logging": 0.35,
}


# --- shared context pools ----------------------------------------------------------------

ORGS: tuple[tuple[str, str], ...] = (
    ("Contoso", "contoso"),
    ("Fabrikam", "fabrikam"),
    ("Northwind Traders", "northwind"),
    ("Tailspin Toys", "tailspin"),
    ("Adventure Works", "adventureworks"),
    ("Woodgrove Bank", "woodgrove"),
    ("Litware", "litware"),
    ("Proseware", "proseware"),
    ("Wingtip Toys", "wingtip"),
    ("Fourth Coffee", "fourthcoffee"),
    ("Alpine Ski House", "alpineskihouse"),
    ("Coho Winery", "cohowinery"),
    ("Lamna Healthcare", "lamna"),
    ("Relecloud", "relecloud"),
    ("Trey Research", "treyresearch"),
    ("VanArsdel", "vanarsdel"),
    ("Wide World Importers", "wideworldimporters"),
    ("Humongous Insurance", "humongous"),
    ("Blue Yonder Airlines", "blueyonder"),
    ("Lucerne Publishing", "lucernepublishing"),
    ("City Power and Light", "cpandl"),
    ("A. Datum", "adatum"),
    ("Bellows College", "bellows"),
    ("Consolidated Messenger", "consolidatedmessenger"),
    ("Southridge Video", "southridgevideo"),
    ("Graphic Design Institute", "graphicdesign"),
    ("Munson Pickles", "munsonpickles"),
    ("Best For You Organics", "bestforyou"),
)

SITES: tuple[tuple[str, str], ...] = (
    ("AMS", "Amsterdam"),
    ("NYC", "New York"),
    ("LON", "London"),
    ("SEA", "Seattle"),
    ("FRA", "Frankfurt"),
    ("SGP", "Singapore"),
    ("SYD", "Sydney"),
    ("TOR", "Toronto"),
    ("DAL", "Dallas"),
    ("MUC", "Munich"),
    ("PAR", "Paris"),
    ("TYO", "Tokyo"),
    ("CHI", "Chicago"),
    ("DUB", "Dublin"),
    ("ZRH", "Zurich"),
    ("MAD", "Madrid"),
    ("ATL", "Atlanta"),
    ("BOS", "Boston"),
    ("OSL", "Oslo"),
    ("WAW", "Warsaw"),
)

DEPARTMENTS: tuple[str, ...] = (
    "Finance",
    "HR",
    "Sales",
    "Marketing",
    "Engineering",
    "IT",
    "Legal",
    "Operations",
    "Support",
    "Research",
    "Procurement",
    "Facilities",
    "Logistics",
    "Accounting",
    "Customer Service",
    "Security",
)

ENVIRONMENTS: tuple[tuple[str, str], ...] = (
    ("Production", "prod"),
    ("Staging", "stg"),
    ("Test", "test"),
    ("Development", "dev"),
    ("Disaster Recovery", "dr"),
    ("Lab", "lab"),
)

AUTHORS: tuple[str, ...] = (
    "J. Alvarez",
    "M. Chen",
    "S. Okafor",
    "P. Novak",
    "A. Lindqvist",
    "R. Patel",
    "K. Yamamoto",
    "L. Moreau",
    "D. Byrne",
    "T. Schmidt",
    "E. Rossi",
    "N. Kowalski",
    "H. Nguyen",
    "C. Fernandes",
    "B. Johansson",
    "G. Mensah",
    "I. Petrov",
    "F. Haddad",
)

AD_DOMAIN_PATTERNS: tuple[str, ...] = ("corp.{}.com", "{}.local", "ad.{}.com", "{}.com")
SERVER_ROLES: tuple[str, ...] = ("APP", "FS", "WEB", "SQL", "RDS", "UTIL")
AZURE_REGIONS: tuple[str, ...] = (
    "westeurope",
    "northeurope",
    "eastus",
    "eastus2",
    "westus2",
    "uksouth",
    "germanywestcentral",
    "southeastasia",
    "australiaeast",
    "canadacentral",
)
AWS_REGIONS: tuple[str, ...] = (
    "eu-west-1",
    "us-east-1",
    "us-west-2",
    "eu-central-1",
    "ap-southeast-2",
    "ca-central-1",
)
WORKLOADS: tuple[str, ...] = (
    "web",
    "data",
    "shared",
    "network",
    "erp",
    "crm",
    "analytics",
    "identity",
    "payments",
    "intranet",
)
WEB_APPS: tuple[str, ...] = ("portal", "intranet", "api", "shop", "crm", "hr", "status", "docs")
LOG_ROOTS: tuple[str, ...] = (r"C:\Logs", r"D:\Logs", r"E:\Ops\Logs", r"C:\ProgramData\Ops\Logs")
REPORT_DIRS: tuple[str, ...] = (r"C:\Reports", r"D:\Reports", r"E:\Ops\Reports")
MAIL_TEAMS: tuple[str, ...] = ("it-ops", "sysadmins", "helpdesk", "infra-team", "secops", "noc")
MAIL_SENDERS: tuple[str, ...] = ("noreply", "automation", "reports", "scripts")
FAKE_GUIDS: tuple[str, ...] = (
    "3f2a9c41-7d0e-4b6a-9e51-0c8d2b7f4a16",
    "b71e05d2-94c3-4f8e-a2d7-61f0c9e38b52",
    "0c94d7e3-5a18-42b9-8f6d-e2a7b130c945",
    "e5d8a2f0-1b3c-4d7e-9a60-57c2f84b1e03",
    "9a4b6c2d-e0f1-4a83-b5d7-3c1e8f9a2b64",
)

# --- cmdlet reference ----------------------------------------------------------------------

_CORE = "Microsoft.PowerShell.Core"
_MGMT = "Microsoft.PowerShell.Management"
_UTIL = "Microsoft.PowerShell.Utility"
_SEC = "Microsoft.PowerShell.Security"
_AD = "ActiveDirectory"
_EXO = "ExchangeOnlineManagement"

CMDLETS: dict[str, tuple[str, str]] = {
    "ForEach-Object": (_CORE, "Runs a script block for each item in the pipeline."),
    "Where-Object": (_CORE, "Filters pipeline objects by a condition."),
    "Invoke-Command": (_CORE, "Runs commands on local and remote computers over WinRM."),
    "Out-Null": (_CORE, "Discards output."),
    "Out-Host": (_CORE, "Sends output to the console host."),
    "Import-Module": (_CORE, "Loads a module into the session."),
    "Get-Module": (_CORE, "Lists loaded or available modules."),
    "Get-Command": (_CORE, "Finds commands, applications and scripts."),
    "New-PSSession": (_CORE, "Opens a persistent remote session."),
    "Test-ModuleManifest": (_CORE, "Validates a module manifest file."),
    "Get-Service": (_MGMT, "Gets the services on a computer."),
    "Start-Service": (_MGMT, "Starts one or more stopped services."),
    "Get-ChildItem": (_MGMT, "Lists items and child items in a location."),
    "Get-Item": (_MGMT, "Gets an item at a location."),
    "Remove-Item": (_MGMT, "Deletes files, folders, registry keys and other items."),
    "Copy-Item": (_MGMT, "Copies an item to another location."),
    "Move-Item": (_MGMT, "Moves an item to another location."),
    "New-Item": (_MGMT, "Creates a new item such as a folder or registry key."),
    "Test-Path": (_MGMT, "Tests whether a path exists."),
    "Get-ItemProperty": (_MGMT, "Gets the properties of an item, e.g. registry values."),
    "Set-ItemProperty": (_MGMT, "Creates or changes a property value, e.g. a registry value."),
    "Get-Content": (_MGMT, "Reads the content of a file."),
    "Set-Content": (_MGMT, "Writes or replaces the content of a file."),
    "Add-Content": (_MGMT, "Appends content to a file."),
    "Split-Path": (_MGMT, "Returns part of a path."),
    "Join-Path": (_MGMT, "Combines a path and a child path."),
    "Get-Process": (_MGMT, "Gets the processes running on a computer."),
    "Test-Connection": (_MGMT, "Sends ICMP echo requests to computers."),
    "Restart-Computer": (_MGMT, "Restarts the operating system on computers."),
    "Get-HotFix": (_MGMT, "Gets the updates installed on computers."),
    "Get-EventLog": (_MGMT, "Reads classic event logs (Windows PowerShell only)."),
    "Write-EventLog": (_MGMT, "Writes an event to a classic event log (Windows PowerShell only)."),
    "Get-WmiObject": (_MGMT, "Gets WMI class instances over DCOM (Windows PowerShell only)."),
    "Get-Date": (_UTIL, "Gets the current date and time."),
    "Export-Csv": (_UTIL, "Writes objects to a CSV file."),
    "Import-Csv": (_UTIL, "Creates objects from a CSV file."),
    "ConvertTo-Json": (_UTIL, "Converts objects to JSON."),
    "ConvertFrom-Json": (_UTIL, "Converts JSON text to objects."),
    "ConvertTo-Html": (_UTIL, "Converts objects to an HTML table."),
    "Select-Object": (_UTIL, "Selects properties or a subset of objects."),
    "Sort-Object": (_UTIL, "Sorts objects by property values."),
    "Group-Object": (_UTIL, "Groups objects that share a property value."),
    "Measure-Object": (_UTIL, "Calculates counts, sums and averages."),
    "Format-Table": (_UTIL, "Formats output as a table."),
    "Out-File": (_UTIL, "Sends output to a file."),
    "Out-String": (_UTIL, "Converts objects to a string."),
    "Write-Verbose": (_UTIL, "Writes to the verbose stream."),
    "Write-Warning": (_UTIL, "Writes a warning message."),
    "Write-Error": (_UTIL, "Writes a non-terminating error."),
    "Write-Host": (_UTIL, "Writes directly to the host, bypassing the pipeline."),
    "Invoke-WebRequest": (_UTIL, "Sends an HTTP or HTTPS request."),
    "Invoke-RestMethod": (_UTIL, "Sends a request to a REST endpoint and parses the reply."),
    "New-Object": (_UTIL, "Creates an instance of a .NET or COM object."),
    "Add-Member": (_UTIL, "Adds a property or method to an object."),
    "Send-MailMessage": (_UTIL, "Sends an email over SMTP (obsolete in PowerShell 7)."),
    "Get-Random": (_UTIL, "Gets a random number or random items."),
    "Select-String": (_UTIL, "Finds text in strings and files."),
    "Start-Sleep": (_UTIL, "Suspends execution for a period of time."),
    "Invoke-Expression": (_UTIL, "Runs a string as a command."),
    "Get-FileHash": (_UTIL, "Computes the hash of a file."),
    "New-TimeSpan": (_UTIL, "Creates a TimeSpan object."),
    "Import-PSSession": (_UTIL, "Imports commands from a remote session."),
    "Start-Transcript": ("Microsoft.PowerShell.Host", "Records the session to a text file."),
    "Stop-Transcript": ("Microsoft.PowerShell.Host", "Stops a transcript."),
    "Get-Acl": (_SEC, "Gets the security descriptor of a file or registry key."),
    "ConvertTo-SecureString": (_SEC, "Converts text to a secure string."),
    "Get-AuthenticodeSignature": (_SEC, "Gets the Authenticode signature of a file."),
    "Set-ExecutionPolicy": (_SEC, "Changes the PowerShell execution policy."),
    "Get-WinEvent": ("Microsoft.PowerShell.Diagnostics", "Reads event logs and ETW logs."),
    "Get-Counter": ("Microsoft.PowerShell.Diagnostics", "Samples performance counters."),
    "Compress-Archive": ("Microsoft.PowerShell.Archive", "Creates or updates a zip archive."),
    "Expand-Archive": ("Microsoft.PowerShell.Archive", "Extracts files from a zip archive."),
    "Get-CimInstance": ("CimCmdlets", "Gets CIM (WMI) class instances over WS-Man."),
    "Invoke-CimMethod": ("CimCmdlets", "Invokes a method of a CIM class or instance."),
    "Get-LocalGroupMember": ("Microsoft.PowerShell.LocalAccounts", "Lists local group members."),
    "Remove-LocalGroupMember": (
        "Microsoft.PowerShell.LocalAccounts",
        "Removes members from a local group.",
    ),
    "Get-ADUser": (_AD, "Gets Active Directory user objects."),
    "Set-ADUser": (_AD, "Modifies an Active Directory user."),
    "New-ADUser": (_AD, "Creates an Active Directory user."),
    "Disable-ADAccount": (_AD, "Disables an Active Directory account."),
    "Unlock-ADAccount": (_AD, "Unlocks a locked-out Active Directory account."),
    "Search-ADAccount": (_AD, "Finds inactive, expired or locked-out accounts."),
    "Move-ADObject": (_AD, "Moves an object to another OU or container."),
    "Get-ADGroup": (_AD, "Gets Active Directory groups."),
    "Get-ADGroupMember": (_AD, "Lists the members of a group."),
    "Get-ADComputer": (_AD, "Gets Active Directory computer objects."),
    "Get-ADDomain": (_AD, "Gets the Active Directory domain."),
    "Get-BitLockerVolume": ("BitLocker", "Gets BitLocker encryption state of volumes."),
    "Connect-AzAccount": ("Az.Accounts", "Signs in to Azure."),
    "Set-AzContext": ("Az.Accounts", "Selects the subscription for later Az cmdlets."),
    "Get-AzVM": ("Az.Compute", "Gets Azure virtual machines."),
    "Start-AzVM": ("Az.Compute", "Starts an Azure virtual machine."),
    "Stop-AzVM": ("Az.Compute", "Stops and deallocates an Azure virtual machine."),
    "Get-AzDisk": ("Az.Compute", "Gets Azure managed disks."),
    "Remove-AzDisk": ("Az.Compute", "Deletes an Azure managed disk."),
    "New-AzSnapshotConfig": ("Az.Compute", "Builds a snapshot configuration object."),
    "New-AzSnapshot": ("Az.Compute", "Creates a snapshot of a managed disk."),
    "Get-AzStorageAccount": ("Az.Storage", "Gets Azure storage accounts."),
    "Set-AzStorageAccount": ("Az.Storage", "Changes storage account settings."),
    "Get-AzResource": ("Az.Resources", "Gets Azure resources."),
    "Update-AzTag": ("Az.Resources", "Merges, replaces or deletes resource tags."),
    "Set-AWSCredential": ("AWS.Tools.Common", "Sets or stores the AWS credentials to use."),
    "Get-EC2Instance": ("AWS.Tools.EC2", "Describes Amazon EC2 instances."),
    "Test-NetConnection": ("NetTCPIP", "Tests TCP connectivity, ping and routes."),
    "Get-NetIPConfiguration": ("NetTCPIP", "Gets IP configuration per interface."),
    "Get-NetIPInterface": ("NetTCPIP", "Gets IP interface properties such as DHCP."),
    "Get-NetAdapter": ("NetAdapter", "Gets network adapter properties."),
    "Resolve-DnsName": ("DnsClient", "Performs a DNS query."),
    "Get-DhcpServerv4Scope": ("DhcpServer", "Gets IPv4 scopes on a DHCP server."),
    "Get-DhcpServerv4ScopeStatistics": ("DhcpServer", "Gets IPv4 scope usage statistics."),
    "Get-DhcpServerv4Reservation": ("DhcpServer", "Gets IPv4 reservations in a scope."),
    "Get-SqlDatabase": ("SqlServer", "Gets SQL Server database objects."),
    "Backup-SqlDatabase": ("SqlServer", "Backs up a SQL Server database."),
    "Invoke-Sqlcmd": ("SqlServer", "Runs a T-SQL script or query."),
    "Get-VM": ("Hyper-V", "Gets Hyper-V virtual machines."),
    "Set-VM": ("Hyper-V", "Configures a Hyper-V virtual machine."),
    "Checkpoint-VM": ("Hyper-V", "Creates a checkpoint of a virtual machine."),
    "Get-VMSnapshot": ("Hyper-V", "Gets the checkpoints of a virtual machine."),
    "Remove-VMSnapshot": ("Hyper-V", "Deletes virtual machine checkpoints."),
    "New-ScheduledTaskAction": ("ScheduledTasks", "Defines the action of a scheduled task."),
    "New-ScheduledTaskTrigger": ("ScheduledTasks", "Defines when a scheduled task runs."),
    "New-ScheduledTaskSettingsSet": ("ScheduledTasks", "Defines scheduled task settings."),
    "Register-ScheduledTask": ("ScheduledTasks", "Registers a scheduled task."),
    "Unregister-ScheduledTask": ("ScheduledTasks", "Removes a scheduled task."),
    "Get-ScheduledTask": ("ScheduledTasks", "Gets scheduled task definitions."),
    "New-WebAppPool": ("WebAdministration", "Creates an IIS application pool."),
    "Get-Website": ("WebAdministration", "Gets IIS websites."),
    "New-Website": ("WebAdministration", "Creates an IIS website."),
    "Stop-WebAppPool": ("WebAdministration", "Stops an IIS application pool."),
    "Start-WebAppPool": ("WebAdministration", "Starts an IIS application pool."),
    "New-PesterConfiguration": ("Pester", "Creates a Pester 5 configuration object."),
    "Invoke-Pester": ("Pester", "Runs Pester tests."),
    "Update-ModuleManifest": ("PowerShellGet", "Updates a module manifest."),
    "Find-Module": ("PowerShellGet", "Finds modules in a repository."),
    "Publish-Module": ("PowerShellGet", "Publishes a module to a repository."),
    "Get-Secret": ("Microsoft.PowerShell.SecretManagement", "Reads a secret from a vault."),
    "Connect-ExchangeOnline": (_EXO, "Connects to Exchange Online."),
    "Disconnect-ExchangeOnline": (_EXO, "Closes the Exchange Online connection."),
    "Get-EXOMailbox": (_EXO, "Gets mailboxes through the REST-based EXO cmdlets."),
    "Get-EXOMailboxStatistics": (_EXO, "Gets mailbox size and item counts."),
    "Get-EXOMailboxPermission": (_EXO, "Gets mailbox permissions."),
    "Get-Mailbox": (_EXO, "Gets mailbox objects (remote PowerShell cmdlet)."),
    "Get-MailboxStatistics": (_EXO, "Gets mailbox statistics (remote PowerShell cmdlet)."),
    "Add-MailboxPermission": (_EXO, "Grants permissions on a mailbox."),
    "Add-RecipientPermission": (_EXO, "Grants Send As permission on a recipient."),
    "Get-InboxRule": (_EXO, "Gets the inbox rules of a mailbox."),
    "Set-Mailbox": (_EXO, "Modifies mailbox settings."),
    "Set-MailboxAutoReplyConfiguration": (_EXO, "Configures automatic replies."),
    "Get-MailboxAutoReplyConfiguration": (_EXO, "Gets automatic reply settings."),
    "Connect-MgGraph": ("Microsoft.Graph.Authentication", "Signs in to Microsoft Graph."),
    "Get-MgUser": ("Microsoft.Graph.Users", "Gets Entra ID users through Microsoft Graph."),
    "Get-MgSubscribedSku": (
        "Microsoft.Graph.Identity.DirectoryManagement",
        "Gets the license SKUs the tenant has purchased.",
    ),
}

# Learn hosts most modules under their lower-cased name; these are the exceptions.
DOCS_SLUGS: dict[str, str] = {_EXO: "exchange"}
PESTER_DOCS = "https://pester.dev/docs/commands/{name}"
AWS_DOCS = "https://docs.aws.amazon.com/powershell/latest/reference/items/{name}.html"
LEARN_DOCS = "https://learn.microsoft.com/en-us/powershell/module/{slug}/{lower}"

# Cmdlets that change the system; they drive the risk score and the ShouldProcess rule.
MODIFYING_CMDLETS: frozenset[str] = frozenset(
    {
        "Start-Service",
        "Remove-Item",
        "Move-Item",
        "Copy-Item",
        "New-Item",
        "Set-ItemProperty",
        "Set-Content",
        "Restart-Computer",
        "Set-ExecutionPolicy",
        "Disable-ADAccount",
        "Set-ADUser",
        "New-ADUser",
        "Move-ADObject",
        "Unlock-ADAccount",
        "Remove-LocalGroupMember",
        "Start-AzVM",
        "Stop-AzVM",
        "Remove-AzDisk",
        "New-AzSnapshot",
        "Set-AzStorageAccount",
        "Update-AzTag",
        "Set-VM",
        "Checkpoint-VM",
        "Remove-VMSnapshot",
        "Register-ScheduledTask",
        "Unregister-ScheduledTask",
        "New-WebAppPool",
        "New-Website",
        "Stop-WebAppPool",
        "Start-WebAppPool",
        "Update-ModuleManifest",
        "Publish-Module",
        "Add-MailboxPermission",
        "Add-RecipientPermission",
        "Set-Mailbox",
        "Set-MailboxAutoReplyConfiguration",
    }
)

# --- analysis rules -------------------------------------------------------------------------

# (id, needles, regex, severity, title, recommendation). The regex is matched line by line,
# and only when one of the lower-case needles occurs in the code at all.
SECURITY_RULES: tuple[tuple[str, tuple[str, ...], str, str, str, str], ...] = (
    (
        "plaintext-securestring",
        ("-asplaintext",),
        r"ConvertTo-SecureString\b.*-AsPlainText",
        "high",
        "Secret converted from plain text inside the script",
        "Read the secret from SecretManagement, a certificate or a managed identity.",
    ),
    (
        "hardcoded-secret",
        ("password", "passwd", "secret", "apikey", "api_key", "accesskey"),
        r"(?i)(?:(?:password|passwd|secret|apikey|api_key|accesskey)\w*\s*="
        r"|-(?:password|secretkey|accesskey|nugetapikey)\s+)\s*['\"][^'\"$]{4,}['\"]",
        "high",
        "Hard-coded credential or key",
        "Move the value to a vault (Get-Secret) or prompt with Get-Credential.",
    ),
    (
        "remote-code-download",
        ("downloadstring(",),
        r"DownloadString\(",
        "critical",
        "Downloads a script from the internet and runs it",
        "Copy a reviewed, signed installer from an internal share and check its signature.",
    ),
    (
        "invoke-expression",
        ("invoke-expression", "iex"),
        r"(?i)\b(?:Invoke-Expression|iex)\b",
        "high",
        "Invoke-Expression runs arbitrary strings as code",
        "Call the command directly or use the call operator with a fixed script path.",
    ),
    (
        "certificate-validation-disabled",
        ("servercertificatevalidationcallback", "-skipcertificatecheck"),
        r"ServerCertificateValidationCallback\s*=|-SkipCertificateCheck\b",
        "high",
        "TLS certificate validation is disabled",
        "Trust the internal CA on the host instead of accepting every certificate.",
    ),
    (
        "execution-policy-bypass",
        ("set-executionpolicy",),
        r"(?i)Set-ExecutionPolicy\s+(?:-ExecutionPolicy\s+)?(?:Bypass|Unrestricted)",
        "medium",
        "Execution policy is bypassed",
        "Sign the script and keep the policy at AllSigned or RemoteSigned.",
    ),
    (
        "plaintext-http",
        ("http://",),
        r"['\"]http://(?!localhost)",
        "low",
        "Connection over unencrypted HTTP",
        "Use HTTPS endpoints.",
    ),
)

SEVERITY_PENALTY: dict[str, float] = {"critical": 45.0, "high": 28.0, "medium": 14.0, "low": 6.0}

# (rule, needles, regex, severity, message): PSScriptAnalyzer rules detectable line by line.
PRACTICE_RULES: tuple[tuple[str, tuple[str, ...], str, str, str], ...] = (
    (
        "PSAvoidUsingWriteHost",
        ("write-host",),
        r"\bWrite-Host\b",
        "Warning",
        "Write-Host output cannot be captured or suppressed; use Write-Verbose or output objects.",
    ),
    (
        "PSAvoidUsingCmdletAliases",
        ("| ?", "| %", "gci ", "ls ", "dir ", "iex "),
        r"\|\s*[?%]\s|(?:^|[=(]\s*)(?:gci|ls|dir|iex)\s",
        "Warning",
        "Aliases make scripts harder to read and can differ between hosts.",
    ),
    (
        "PSAvoidUsingWMICmdlet",
        ("get-wmiobject",),
        r"\bGet-WmiObject\b",
        "Warning",
        "WMI cmdlets are not available in PowerShell 7; use the CIM cmdlets.",
    ),
    (
        "PSAvoidUsingInvokeExpression",
        ("invoke-expression", "iex"),
        r"(?i)\b(?:Invoke-Expression|iex)\b",
        "Warning",
        "Invoke-Expression can run injected code.",
    ),
    (
        "PSAvoidUsingConvertToSecureStringWithPlainText",
        ("-asplaintext",),
        r"ConvertTo-SecureString\b.*-AsPlainText",
        "Error",
        "Plain-text secrets end up in history, logs and memory dumps.",
    ),
    (
        "PSAvoidUsingEmptyCatchBlock",
        ("catch",),
        r"catch\s*\{\s*\}",
        "Warning",
        "Empty catch blocks hide failures.",
    ),
)

# --- task families ---------------------------------------------------------------------------

_SYSTEM: tuple[Family, ...] = (
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

_SECURITY: tuple[Family, ...] = (
    Family(
        key="failed-logons",
        category="Security & Compliance",
        name="Get-FailedLogonReport",
        titles=(
            "Failed Logon Report (Event 4625) for {{SiteName}}",
            "Brute-Force Detection on {{DC}}",
            "Repeated Failed Logons in the Last {{Hours}} Hours",
        ),
        synopsis="Summarises failed logons (event 4625) per account.",
        description=(
            "Reads event 4625 from the Security log of the given domain controllers, groups "
            "the failures by account and lists the source addresses, to spot password spraying "
            "and misconfigured services."
        ),
        purpose=(
            "Detects password spraying and stale service credentials by counting failed "
            "logons per account over the last {{Hours}} hours."
        ),
        tags=("security", "auditing", "event-log", "active-directory", "email"),
        params=r"""
ComputerName|string[]||'{{DC}}'|ValidateNotNullOrEmpty()|Domain controllers or servers whose Security log is read.
Hours|int||{{Hours}}|ValidateRange(1, 720)|How far back to look.
MinimumFailures|int||{{MinFail}}|ValidateRange(1, 1000)|Only report accounts with at least this many failures.
?export|ExportPath|string||'{{ReportDir}}\FailedLogons.csv'||CSV file for the report.""",
        body=r"""
$filter = @{
    LogName   = 'Security'
    Id        = 4625
    StartTime = (Get-Date).AddHours(-$Hours)
}
$events = foreach ($computer in $ComputerName) {
?verbose|    Write-Verbose "Reading event 4625 from $computer"
?modern|    Get-WinEvent -ComputerName $computer -FilterHashtable $filter -ErrorAction SilentlyContinue
?!modern|    Get-EventLog -ComputerName $computer -LogName Security -InstanceId 4625 -After $filter.StartTime
}
$report = $events | ForEach-Object {
    [pscustomobject]@{
?modern|        Account  = $_.Properties[5].Value
?modern|        SourceIp = $_.Properties[19].Value
?!modern|        Account  = $_.ReplacementStrings[5]
?!modern|        SourceIp = $_.ReplacementStrings[19]
        Computer = $_.MachineName
    }
} | Group-Object Account | Where-Object Count -ge $MinimumFailures |
    Sort-Object Count -Descending |
    Select-Object @{ n = 'Account'; e = { $_.Name } }, Count,
        @{ n = 'Sources'; e = { ($_.Group.SourceIp | Sort-Object -Unique) -join ', ' } }
?export|$report | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
?extra|if ($report) {
?extra|    $body = $report | ConvertTo-Html -Title 'Failed logons' | Out-String
?extra|    Send-MailMessage -SmtpServer '{{Smtp}}' -From '{{MailFrom}}' -To '{{MailTo}}' -BodyAsHtml `
?extra|        -Subject "{{Org}}: $(@($report).Count) accounts with failed logons" -Body $body
?extra|}
$report""",
        example="-ComputerName {{DC}} -Hours {{Hours}} -MinimumFailures {{MinFail}}",
        slots={
            "Hours": ("12", "24", "48", "72", "168"),
            "MinFail": ("3", "5", "10", "20"),
        },
        commits={
            "extra": "Email the security team a summary",
            "modern": "Use Get-WinEvent with a filter hashtable",
        },
        insights=(
            "-FilterHashtable filters on the server; reading the whole Security log and "
            "filtering with Where-Object is far slower.",
        ),
    ),
    Family(
        key="local-admins",
        category="Security & Compliance",
        name="Get-LocalAdminAudit",
        titles=(
            "Local Administrators Audit for {{SiteName}}",
            "Unexpected Local Admins on {{Dept}} Servers",
            "Privileged Local Group Review ({{Env}})",
        ),
        synopsis="Lists unexpected members of the local Administrators group.",
        description=(
            "Reads the local Administrators group on each computer and reports every member "
            "that is not on the approved list; can remove them on request."
        ),
        purpose=(
            "Enforces least privilege by finding accounts in local Administrators that are not "
            "approved for {{Dept}} servers."
        ),
        tags=("security", "auditing", "permissions", "remoting", "compliance"),
        params=r"""
ComputerName|string[]|M||ValidateNotNullOrEmpty()|Computers to audit.
ApprovedMember|string[]||@('{{NetBIOS}}\Domain Admins', '{{NetBIOS}}\{{Dept}} Server Admins')||Members expected in the Administrators group.
?extra|Remediate|switch||||Remove members that are not approved.
?export|ExportPath|string||'{{ReportDir}}\LocalAdmins.csv'||CSV file for unexpected members.""",
        body=r"""
$members = Invoke-Command -ComputerName $ComputerName -ErrorAction Continue -ScriptBlock {
    Get-LocalGroupMember -Group 'Administrators' |
        Select-Object Name, ObjectClass, PrincipalSource
}
$unexpected = $members | Where-Object {
    $_.Name -notin $ApprovedMember -and $_.Name -notlike '*\Administrator'
}
foreach ($entry in $unexpected) {
    $member = $entry.Name
?verbose|    Write-Verbose "$($entry.PSComputerName): unexpected member $member"
?!verbose|    Write-Host "$($entry.PSComputerName): $member" -ForegroundColor Red
?extra|    if (-not $Remediate) { continue }
?extra,whatif|    if (-not $PSCmdlet.ShouldProcess($entry.PSComputerName, "Remove $member")) { continue }
?extra|    Invoke-Command -ComputerName $entry.PSComputerName -ScriptBlock {
?extra|        Remove-LocalGroupMember -Group 'Administrators' -Member $using:member
?extra|    }
}
?export|$unexpected | Select-Object PSComputerName, Name, ObjectClass, PrincipalSource |
?export|    Export-Csv -Path $ExportPath -NoTypeInformation
$unexpected""",
        example="-ComputerName {{Server1}}, {{Server2}}",
        commits={"extra": "Add -Remediate to remove unapproved members"},
        risks=("Removing the wrong member can lock administrators out of a server.",),
    ),
    Family(
        key="cert-expiry",
        category="Security & Compliance",
        name="Get-ExpiringCertificates",
        titles=(
            "Certificate Expiry Check for {{SiteName}} Web Servers",
            "Expiring TLS Certificates Within {{Days}} Days",
            "Machine Certificate Store Audit ({{Env}})",
        ),
        synopsis="Finds machine certificates that expire soon.",
        description=(
            "Reads the LocalMachine certificate store on each server and lists certificates "
            "that expire within {{Days}} days, sorted by days left."
        ),
        purpose=(
            "Prevents outages from expired TLS certificates by listing certificates that "
            "expire within {{Days}} days."
        ),
        tags=("certificates", "security", "monitoring", "remoting", "event-log"),
        params=r"""
ComputerName|string[]||@('{{WebServer}}', '{{AppServer}}')|ValidateNotNullOrEmpty()|Servers whose machine store is checked.
Days|int||{{Days}}|ValidateRange(1, 365)|Warn about certificates that expire within this many days.
StoreName|string||'My'|ValidateSet('My', 'WebHosting', 'Root', 'CA')|Certificate store under LocalMachine.""",
        body=r"""
$expiring = Invoke-Command -ComputerName $ComputerName -ScriptBlock {
    $limit = (Get-Date).AddDays($using:Days)
    $store = $using:StoreName
    Get-ChildItem -Path "Cert:\LocalMachine\$store" |
        Where-Object { $_.NotAfter -lt $limit } |
        Select-Object Subject, Thumbprint, NotAfter,
            @{ n = 'DaysLeft'; e = { ($_.NotAfter - (Get-Date)).Days } }
}
$expiring = $expiring | Sort-Object DaysLeft
foreach ($cert in $expiring) {
    $line = '{0}: {1} expires in {2} days' -f $cert.PSComputerName, $cert.Subject, $cert.DaysLeft
?verbose|    Write-Verbose $line
?!verbose|    Write-Host $line -ForegroundColor Yellow
?extra|    if ($cert.DaysLeft -le 7) {
?extra|        Write-EventLog -LogName Application -Source 'CertMonitor' -EventId 4100 `
?extra|            -EntryType Warning -Message $line
?extra|    }
}
?export|$expiring | Export-Csv -Path '{{ReportDir}}\ExpiringCertificates.csv' -NoTypeInformation
$expiring""",
        example="-ComputerName {{WebServer}} -Days {{Days}}",
        slots={"Days": ("14", "21", "30", "45", "60", "90")},
        commits={"extra": "Raise an event when a certificate has a week left"},
    ),
    Family(
        key="registry-baseline",
        category="Security & Compliance",
        name="Set-SecurityBaseline",
        titles=(
            "Registry Hardening Baseline for {{Dept}} Workstations",
            "Apply SMB1 and NTLM Hardening ({{SiteName}})",
            "Security Registry Baseline ({{Env}})",
        ),
        synopsis="Applies a registry hardening baseline and reports drift.",
        description=(
            "Compares security-relevant registry values (SMB1, LM compatibility, drive "
            "redirection, reboot policy) with the baseline and corrects the ones that drifted."
        ),
        purpose=(
            "Keeps {{Dept}} machines on the registry hardening baseline by correcting values "
            "that drifted from it."
        ),
        tags=("registry", "security", "compliance"),
        params=r"""
?extra|ReportOnly|switch||||Only report drift, do not change anything.""",
        body=r"""
$baseline = @{
    'HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters' = @{ SMB1 = 0 }
    'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa'                     = @{ LmCompatibilityLevel = 5 }
    'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' = @{ fDisableCdm = {{Cdm}} }
    'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU'     = @{
        NoAutoRebootWithLoggedOnUsers = 1
    }
}
$drift = foreach ($key in $baseline.Keys) {
    if (-not (Test-Path -Path $key)) {
        New-Item -Path $key -Force | Out-Null
    }
    foreach ($name in $baseline[$key].Keys) {
        $desired = $baseline[$key][$name]
        $current = (Get-ItemProperty -Path $key -Name $name -ErrorAction SilentlyContinue).$name
        if ($current -eq $desired) { continue }
        [pscustomobject]@{ Key = $key; Name = $name; Current = $current; Desired = $desired }
?verbose|        Write-Verbose "$key\$name is '$current', expected $desired"
?extra|        if ($ReportOnly) { continue }
?whatif|        if (-not $PSCmdlet.ShouldProcess("$key\$name", "Set value to $desired")) { continue }
        Set-ItemProperty -Path $key -Name $name -Value $desired -Type DWord
    }
}
?!verbose|Write-Host "$(@($drift).Count) values corrected"
$drift""",
        example="-Verbose",
        slots={"Cdm": ("0", "1")},
        commits={"extra": "Add -ReportOnly for audit runs"},
        risks=("Changes security settings in HKLM; disabling SMB1 breaks very old clients.",),
        admin=True,
    ),
    Family(
        key="bitlocker",
        category="Security & Compliance",
        name="Get-BitLockerComplianceReport",
        titles=(
            "BitLocker Compliance Report for {{SiteName}} Laptops",
            "Unencrypted Devices in {{Dept}}",
            "Drive Encryption Status ({{Org}})",
        ),
        synopsis="Reports BitLocker protection status of domain computers.",
        description=(
            "Finds enabled Windows 10 and 11 computers in an OU and reads the BitLocker "
            "status of their system drive, for encryption compliance reporting."
        ),
        purpose=(
            "Shows which {{Dept}} devices do not have BitLocker protection on the system drive."
        ),
        tags=("encryption", "compliance", "active-directory", "reporting", "csv"),
        params=r"""
SearchBase|string||'{{ComputerOU}}'||OU with the laptops and workstations to check.
?export|ExportPath|string||'{{ReportDir}}\BitLocker-{{Site}}.csv'||CSV file for the report.""",
        body=r"""
$computers = Get-ADComputer -SearchBase $SearchBase -Filter 'Enabled -eq $true' `
    -Properties OperatingSystem | Where-Object OperatingSystem -like 'Windows 1*'
$results = foreach ($computer in $computers) {
    $name = $computer.Name
?extra|    if (-not (Test-Connection -ComputerName $name -Count 1 -Quiet)) {
?extra|        [pscustomobject]@{ ComputerName = $name; Status = 'Offline'; Protection = $null }
?extra|        continue
?extra|    }
    $volume = Invoke-Command -ComputerName $name -ScriptBlock {
        Get-BitLockerVolume -MountPoint $env:SystemDrive
    }
?verbose|    Write-Verbose "$name : $($volume.ProtectionStatus)"
    [pscustomobject]@{
        ComputerName = $name
        Status       = $volume.VolumeStatus
        Protection   = $volume.ProtectionStatus
        Method       = $volume.EncryptionMethod
    }
}
$unprotected = $results | Where-Object Protection -ne 'On'
?export|$results | Export-Csv -Path $ExportPath -NoTypeInformation
'{0} of {1} computers are not protected' -f @($unprotected).Count, @($results).Count""",
        example="-SearchBase '{{ComputerOU}}'",
        modules=("ActiveDirectory",),
        commits={"extra": "Report offline computers instead of timing out"},
    ),
    Family(
        key="ntfs-permissions",
        category="Security & Compliance",
        name="Get-FolderPermissionReport",
        titles=(
            "NTFS Permission Audit for the {{Dept}} Share",
            "Broad Share Permissions on {{FileServer}}",
            "File Share Access Review ({{SiteName}})",
        ),
        synopsis="Lists explicit NTFS permissions below a folder.",
        description=(
            "Walks a folder tree to a given depth and lists every explicit access rule, "
            "highlighting grants to Everyone, Authenticated Users and Domain Users."
        ),
        purpose=(
            "Supports access reviews of the {{Dept}} share by listing explicit permissions and "
            "flagging overly broad grants."
        ),
        tags=("permissions", "auditing", "security", "csv"),
        params=r"""
Path|string|M||ValidateScript({ Test-Path -Path $_ -PathType Container })|Root folder to audit.
Depth|int||{{Depth}}|ValidateRange(0, 10)|How many folder levels below the root to include.
?export|ExportPath|string||'{{ReportDir}}\Permissions-{{Dept}}.csv'||CSV file for the report.""",
        body=r"""
$folders = @(Get-Item -Path $Path) + @(Get-ChildItem -Path $Path -Directory -Recurse -Depth $Depth)
?verbose|Write-Verbose "Auditing $($folders.Count) folders under $Path"
$report = foreach ($folder in $folders) {
    $acl = Get-Acl -Path $folder.FullName
    foreach ($ace in $acl.Access) {
        if ($ace.IsInherited) { continue }
        [pscustomobject]@{
            Folder   = $folder.FullName
            Identity = $ace.IdentityReference.Value
            Rights   = $ace.FileSystemRights
            Type     = $ace.AccessControlType
            Owner    = $acl.Owner
        }
    }
}
$risky = $report | Where-Object { $_.Identity -match 'Everyone|Authenticated Users|Domain Users' }
?!verbose|Write-Host "Found $(@($risky).Count) broad permissions" -ForegroundColor Yellow
?extra|$risky | Group-Object Identity | Sort-Object Count -Descending |
?extra|    ForEach-Object { Write-Warning "$($_.Name) has explicit rights on $($_.Count) folders" }
?export|$report | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
$risky""",
        example="-Path '\\\\{{FileServer}}\\{{Dept}}' -Depth {{Depth}}",
        slots={"Depth": ("1", "2", "3", "4")},
        commits={"extra": "Summarise broad grants per identity"},
        insights=("Get-Acl per folder is slow on large trees; keep -Depth small.",),
    ),
)

_ACTIVE_DIRECTORY: tuple[Family, ...] = (
    Family(
        key="stale-accounts",
        category="Active Directory",
        name="Disable-StaleADAccounts",
        titles=(
            "Disable Inactive AD Users in {{Dept}}",
            "Stale Account Cleanup ({{InactiveDays}} Days)",
            "Inactive User Lockdown for {{SiteName}}",
        ),
        synopsis="Disables user accounts that have not logged on for a number of days.",
        description=(
            "Finds enabled users in an OU whose last logon is older than {{InactiveDays}} "
            "days, skips members of the exclusion group, disables them and stamps the reason "
            "in the description."
        ),
        purpose=(
            "Reduces the attack surface of {{Domain}} by disabling user accounts that have "
            "been inactive for {{InactiveDays}} days."
        ),
        tags=("active-directory", "user-management", "security", "cleanup"),
        params=r"""
SearchBase|string||'{{UserOU}}'|ValidateNotNullOrEmpty()|OU to search for inactive user accounts.
InactiveDays|int||{{InactiveDays}}|ValidateRange(30, 730)|Accounts without a logon for this many days are stale.
ExcludeGroup|string||'{{Dept}} Service Accounts'||Members of this group are never disabled.
?extra|DisabledOU|string||'OU=Disabled Users,{{DomainDN}}'||OU that disabled accounts are moved to.""",
        body=r"""
$excluded = Get-ADGroupMember -Identity $ExcludeGroup -Recursive |
    Select-Object -ExpandProperty SamAccountName
$timeSpan = New-TimeSpan -Days $InactiveDays
$stale = Search-ADAccount -AccountInactive -TimeSpan $timeSpan -UsersOnly -SearchBase $SearchBase |
    Where-Object { $_.Enabled -and $_.SamAccountName -notin $excluded }
?verbose|Write-Verbose "Found $(@($stale).Count) inactive accounts in $SearchBase"
?!verbose|Write-Host "Stale accounts: $(@($stale).Count)"
foreach ($user in $stale) {
    $note = "Disabled $(Get-Date -Format 'yyyy-MM-dd') after $InactiveDays days inactive"
?whatif|    if (-not $PSCmdlet.ShouldProcess($user.SamAccountName, 'Disable stale account')) { continue }
    Disable-ADAccount -Identity $user
    Set-ADUser -Identity $user -Description $note
?extra|    Move-ADObject -Identity $user.DistinguishedName -TargetPath $DisabledOU
}
$stale | Select-Object Name, SamAccountName, LastLogonDate""",
        example="-SearchBase '{{UserOU}}' -InactiveDays {{InactiveDays}}",
        modules=("ActiveDirectory",),
        slots={"InactiveDays": ("60", "90", "120", "180", "365")},
        commits={"extra": "Move disabled accounts to the Disabled Users OU"},
        risks=("Disabling an account that a service still uses causes an outage.",),
        insights=(
            "Search-ADAccount reads lastLogonTimestamp, which replicates only every 9-14 "
            "days; that is precise enough for a 60+ day window.",
        ),
    ),
    Family(
        key="bulk-user-import",
        category="Active Directory",
        name="New-ADUsersFromCsv",
        titles=(
            "Bulk Create AD Users from CSV ({{Dept}})",
            "New Starter Onboarding for {{SiteName}}",
            "Import New Hires into {{Domain}}",
        ),
        synopsis="Creates Active Directory users from a CSV file.",
        description=(
            "Reads new starters from a CSV file (FirstName, LastName, Department, Title), "
            "creates each account in the target OU with an initial password that must be "
            "changed at first logon, and skips accounts that already exist."
        ),
        purpose=(
            "Onboards new {{Dept}} staff in bulk by creating their AD accounts from the HR export."
        ),
        tags=("active-directory", "user-management", "csv", "automation", "credentials"),
        params=r"""
CsvPath|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|CSV with FirstName, LastName, Department and Title columns.
TargetOU|string||'{{UserOU}}'||OU for the new accounts.
?secure|PasswordLength|int||16|ValidateRange(12, 64)|Length of the random initial password.""",
        body=r"""
?!secure|$defaultPassword = ConvertTo-SecureString '{{WeakPassword}}' -AsPlainText -Force
$users = Import-Csv -Path $CsvPath
foreach ($row in $users) {
    $sam = ('{0}.{1}' -f $row.FirstName, $row.LastName).ToLower() -replace '[^a-z.]', ''
    if (Get-ADUser -Filter "SamAccountName -eq '$sam'") {
        Write-Warning "$sam already exists, skipping"
        continue
    }
?secure|    $password = New-Object -TypeName System.Security.SecureString
?secure|    1..$PasswordLength | ForEach-Object {
?secure|        $password.AppendChar([char](Get-Random -Minimum 33 -Maximum 127))
?secure|    }
    $newUser = @{
        Name                  = "$($row.FirstName) $($row.LastName)"
        GivenName             = $row.FirstName
        Surname               = $row.LastName
        SamAccountName        = $sam
        UserPrincipalName     = "$sam@{{MailDomain}}"
        Department            = $row.Department
        Title                 = $row.Title
        Path                  = $TargetOU
?secure|        AccountPassword       = $password
?!secure|        AccountPassword       = $defaultPassword
        ChangePasswordAtLogon = $true
        Enabled               = $true
    }
?whatif|    if (-not $PSCmdlet.ShouldProcess($sam, 'Create AD user')) { continue }
    New-ADUser @newUser
?verbose|    Write-Verbose "Created $sam in $TargetOU"
?!verbose|    Write-Host "Created $sam" -ForegroundColor Green
?extra|    if ($row.Manager) {
?extra|        Set-ADUser -Identity $sam -Manager $row.Manager
?extra|    }
}""",
        example="-CsvPath .\\new-starters.csv -TargetOU '{{UserOU}}'",
        modules=("ActiveDirectory",),
        slots={
            "WeakPassword": (
                "Welcome2024!",
                "Summer2024!",
                "Passw0rd!",
                "Changeme123!",
                "Winter2023#",
                "Start#1234",
            ),
        },
        commits={
            "extra": "Set the manager when the CSV provides one",
            "secure": "Generate a random initial password per user",
        },
        risks=("Creates enabled accounts; a malformed CSV can create many wrong users.",),
    ),
    Family(
        key="password-expiry",
        category="Active Directory",
        name="Send-PasswordExpiryReminder",
        titles=(
            "Password Expiry Reminder Emails for {{Dept}}",
            "Notify Users Before Their Password Expires ({{Org}})",
            "AD Password Expiry Notifications for {{SiteName}}",
        ),
        synopsis="Emails users whose AD password expires soon.",
        description=(
            "Computes each user's password expiry from msDS-UserPasswordExpiryTimeComputed "
            "and emails a reminder on the configured days before it expires."
        ),
        purpose=(
            "Reduces helpdesk lockout calls by reminding {{Org}} users to change their "
            "password before it expires."
        ),
        tags=("active-directory", "email", "user-management", "scheduled-task"),
        params=r"""
DaysBeforeExpiry|int[]||{{Reminders}}|ValidateNotNullOrEmpty()|Send a reminder when this many days are left.
SearchBase|string||'{{UserOU}}'||OU with the users to notify.
SmtpServer|string||'{{Smtp}}'||SMTP relay.""",
        body=r"""
$expiryAttribute = 'msDS-UserPasswordExpiryTimeComputed'
$filter = 'Enabled -eq $true -and PasswordNeverExpires -eq $false'
$users = Get-ADUser -SearchBase $SearchBase -Filter $filter -Properties EmailAddress, $expiryAttribute
foreach ($user in $users) {
    $expires = [datetime]::FromFileTime($user.$expiryAttribute)
    $daysLeft = ($expires - (Get-Date)).Days
    if ($daysLeft -notin $DaysBeforeExpiry -or -not $user.EmailAddress) { continue }
    $mail = @{
        SmtpServer = $SmtpServer
        From       = '{{MailFrom}}'
        To         = $user.EmailAddress
        Subject    = "Your {{Org}} password expires in $daysLeft day(s)"
        Body       = "Hi $($user.GivenName), please change your password by $($expires.ToString('d'))."
        Priority   = if ($daysLeft -le 1) { 'High' } else { 'Normal' }
    }
?whatif|    if (-not $PSCmdlet.ShouldProcess($user.EmailAddress, 'Send reminder')) { continue }
    Send-MailMessage @mail
?verbose|    Write-Verbose "Reminded $($user.SamAccountName) ($daysLeft days left)"
?extra|    Add-Content -Path '{{LogRoot}}\PasswordReminders.log' `
?extra|        -Value "$(Get-Date -Format s) $($user.SamAccountName) $daysLeft"
}""",
        example="-DaysBeforeExpiry 7, 3, 1",
        modules=("ActiveDirectory",),
        slots={"Reminders": ("@(14, 7, 3, 1)", "@(10, 5, 1)", "@(7, 3, 1)", "@(14, 7, 1)")},
        commits={"extra": "Keep a log of the reminders sent"},
        insights=(
            "msDS-UserPasswordExpiryTimeComputed already accounts for fine-grained password "
            "policies, unlike MaxPasswordAge arithmetic.",
        ),
    ),
    Family(
        key="group-membership",
        category="Active Directory",
        name="Export-ADGroupMembership",
        titles=(
            "AD Group Membership Report for {{Dept}}",
            "Export Nested Group Members ({{Org}})",
            "Privileged Group Membership Review for {{Domain}}",
        ),
        synopsis="Exports the user members of AD groups, optionally including nested groups.",
        description=(
            "Expands each group, resolves its user members with department, title and last "
            "logon, and exports the result for access reviews."
        ),
        purpose=(
            "Produces the quarterly access review of {{Dept}} groups with each member's "
            "department and last logon."
        ),
        tags=("active-directory", "reporting", "auditing", "csv"),
        params=r"""
GroupName|string[]|M||ValidateNotNullOrEmpty()|Groups to report on.
Recursive|switch||||Include members of nested groups.
?export|ExportPath|string||'{{ReportDir}}\GroupMembers-{{Site}}.csv'||CSV output path.""",
        body=r"""
$rows = foreach ($group in $GroupName) {
?verbose|    Write-Verbose "Expanding $group"
    $adGroup = Get-ADGroup -Identity $group -Properties Description, ManagedBy
    Get-ADGroupMember -Identity $adGroup -Recursive:$Recursive |
        Where-Object objectClass -eq 'user' |
        Get-ADUser -Properties Department, Title, LastLogonDate |
        Select-Object @{ n = 'Group'; e = { $adGroup.Name } }, Name, SamAccountName,
            Department, Title, Enabled, LastLogonDate
}
?extra|$rows = $rows | Sort-Object Group, SamAccountName -Unique
?export|$rows | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
?export,verbose|Write-Verbose "Exported $(@($rows).Count) memberships to $ExportPath"
$rows""",
        example="-GroupName '{{Dept}} Users', 'Domain Admins' -Recursive",
        modules=("ActiveDirectory",),
        commits={"extra": "Drop duplicate rows for users reached through several groups"},
    ),
    Family(
        key="locked-accounts",
        category="Active Directory",
        name="Get-LockedOutUsers",
        titles=(
            "Locked-Out Accounts with Lockout Source ({{Domain}})",
            "Find and Unlock Locked AD Users in {{Dept}}",
            "Account Lockout Investigation for {{SiteName}}",
        ),
        synopsis="Lists locked-out users and the computer that caused the lockout.",
        description=(
            "Finds locked-out users, reads lockout time and bad logon count from the PDC "
            "emulator and looks up event 4740 to show the caller computer."
        ),
        purpose=(
            "Speeds up lockout tickets by showing which computer keeps locking a user out, "
            "and optionally unlocks the accounts."
        ),
        tags=("active-directory", "security", "event-log", "user-management"),
        params=r"""
Server|string||'{{DC}}'||Domain controller to search.
?extra|Unlock|switch||||Unlock the accounts after reporting them.""",
        body=r"""
$pdc = (Get-ADDomain).PDCEmulator
$locked = Search-ADAccount -LockedOut -UsersOnly -Server $Server
$report = foreach ($account in $locked) {
    $user = Get-ADUser -Identity $account -Server $pdc -Properties LockoutTime, BadLogonCount
    $lockEvent = Get-WinEvent -ComputerName $pdc -MaxEvents 1 -ErrorAction SilentlyContinue `
        -FilterHashtable @{ LogName = 'Security'; Id = 4740; Data = $user.SamAccountName }
    [pscustomobject]@{
        SamAccountName = $user.SamAccountName
        LockedAt       = [datetime]::FromFileTime($user.LockoutTime)
        BadLogonCount  = $user.BadLogonCount
        CallerComputer = $lockEvent.Properties[1].Value
    }
}
?extra|if ($Unlock) {
?extra|    foreach ($row in $report) {
?extra,whatif|        if (-not $PSCmdlet.ShouldProcess($row.SamAccountName, 'Unlock account')) { continue }
?extra|        Unlock-ADAccount -Identity $row.SamAccountName -Server $pdc
?extra|    }
?extra|}
?verbose|Write-Verbose "$(@($report).Count) locked accounts"
?!verbose|Write-Host "$(@($report).Count) locked accounts" -ForegroundColor Cyan
$report | Sort-Object LockedAt -Descending""",
        example="-Server {{DC}}",
        modules=("ActiveDirectory",),
        commits={"extra": "Add -Unlock switch"},
    ),
)

_CLOUD: tuple[Family, ...] = (
    Family(
        key="azure-vm-schedule",
        category="Cloud Management",
        name="Invoke-AzVmPowerSchedule",
        titles=(
            "Start or Stop Tagged Azure VMs in {{RG}}",
            "Azure VM Off-Hours Shutdown ({{Env}})",
            "Azure Automation Runbook: VM Power Schedule for {{Dept}}",
        ),
        synopsis="Starts or deallocates Azure VMs that carry a schedule tag.",
        description=(
            "Azure Automation runbook that signs in, selects the subscription and starts or "
            "deallocates every VM in the resource group whose schedule tag is 'true'."
        ),
        purpose=(
            "Cuts compute cost in {{Subscription}} by deallocating tagged VMs outside office "
            "hours and starting them again in the morning."
        ),
        tags=("azure", "cost-optimization", "automation", "scheduled-task", "credentials"),
        params=r"""
ResourceGroupName|string||'{{RG}}'|ValidateNotNullOrEmpty()|Resource group with the VMs.
Action|string|M||ValidateSet('Start', 'Stop')|Whether to start or deallocate the tagged VMs.
TagName|string||'{{TagName}}'||Only VMs with this tag set to 'true' are touched.""",
        body=r"""
?secure|Connect-AzAccount -Identity | Out-Null
?!secure|$secret = ConvertTo-SecureString '{{ClientSecret}}' -AsPlainText -Force
?!secure|$credential = New-Object System.Management.Automation.PSCredential('{{AppId}}', $secret)
?!secure|Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant '{{Tenant}}' | Out-Null
Set-AzContext -Subscription '{{Subscription}}' | Out-Null
$vms = Get-AzVM -ResourceGroupName $ResourceGroupName -Status |
    Where-Object { $_.Tags[$TagName] -eq 'true' }
foreach ($vm in $vms) {
    $running = $vm.PowerState -eq 'VM running'
    if (($Action -eq 'Start' -and $running) -or ($Action -eq 'Stop' -and -not $running)) { continue }
?verbose|    Write-Verbose "$Action $($vm.Name) (currently $($vm.PowerState))"
?whatif|    if (-not $PSCmdlet.ShouldProcess($vm.Name, "$Action VM")) { continue }
    if ($Action -eq 'Start') {
?!extra|        Start-AzVM -ResourceGroupName $ResourceGroupName -Name $vm.Name
?extra|        Start-AzVM -ResourceGroupName $ResourceGroupName -Name $vm.Name -NoWait
    }
    else {
?!extra|        Stop-AzVM -ResourceGroupName $ResourceGroupName -Name $vm.Name -Force
?extra|        Stop-AzVM -ResourceGroupName $ResourceGroupName -Name $vm.Name -Force -NoWait
    }
}""",
        example="-ResourceGroupName {{RG}} -Action Stop",
        modules=("Az.Accounts", "Az.Compute"),
        slots={
            "TagName": ("AutoShutdown", "Schedule", "OfficeHoursOnly", "DevTestSchedule"),
            "ClientSecret": (
                "rT8Q~x2KfLw9pVn3.ZbY7cHq1sMd4eUjA0oGi",
                "Xw7~Pq2LzK9vB4nR.tY6uE1mC3dF8gH0jS5aQ",
                "mN3~aB8cD1eF6gH.iJ2kL7mN9oP4qR5sT0uVw",
            ),
        },
        commits={
            "extra": "Use -NoWait so large resource groups finish within the job limit",
            "secure": "Sign in with the Automation account's managed identity",
        },
        risks=("Deallocating VMs stops the workloads on them.",),
    ),
    Family(
        key="azure-orphaned-disks",
        category="Cloud Management",
        name="Remove-AzOrphanedDisks",
        titles=(
            "Delete Unattached Azure Managed Disks ({{Subscription}})",
            "Azure Orphaned Disk Cleanup for {{Env}}",
            "Find Unused Azure Disks Older Than {{AgeDays}} Days",
        ),
        synopsis="Finds and deletes unattached Azure managed disks.",
        description=(
            "Lists managed disks that are not attached to any VM and are older than "
            "{{AgeDays}} days, estimates their monthly cost and deletes them."
        ),
        purpose=(
            "Removes unattached managed disks in {{Subscription}} that keep costing money "
            "after their VMs were deleted."
        ),
        tags=("azure", "cost-optimization", "cleanup", "csv"),
        params=r"""
SubscriptionName|string||'{{Subscription}}'||Subscription to clean up.
MinimumAgeDays|int||{{AgeDays}}|ValidateRange(1, 365)|Only consider disks created more than this many days ago.
?export|ExportPath|string||'{{ReportDir}}\OrphanedDisks.csv'||CSV of the disks found.""",
        body=r"""
Set-AzContext -Subscription $SubscriptionName | Out-Null
$cutoff = (Get-Date).AddDays(-$MinimumAgeDays)
$orphans = Get-AzDisk | Where-Object {
    -not $_.ManagedBy -and $_.DiskState -eq 'Unattached' -and $_.TimeCreated -lt $cutoff
}
$costPerGb = @{ Premium_LRS = 0.135; StandardSSD_LRS = 0.075; Standard_LRS = 0.045 }
$report = $orphans | Select-Object Name, ResourceGroupName, DiskSizeGB, TimeCreated,
    @{ n = 'Sku'; e = { $_.Sku.Name } },
    @{ n = 'MonthlyCost'; e = { [math]::Round($_.DiskSizeGB * $costPerGb[$_.Sku.Name], 2) } }
?export|$report | Export-Csv -Path $ExportPath -NoTypeInformation
foreach ($disk in $orphans) {
?whatif|    if (-not $PSCmdlet.ShouldProcess($disk.Name, 'Remove unattached managed disk')) { continue }
?extra|    $snapshotName = "$($disk.Name)-final-$(Get-Date -Format yyyyMMdd)"
?extra|    $config = New-AzSnapshotConfig -SourceUri $disk.Id -Location $disk.Location -CreateOption Copy
?extra|    New-AzSnapshot -ResourceGroupName $disk.ResourceGroupName -SnapshotName $snapshotName `
?extra|        -Snapshot $config | Out-Null
    Remove-AzDisk -ResourceGroupName $disk.ResourceGroupName -DiskName $disk.Name -Force | Out-Null
?verbose|    Write-Verbose "Removed $($disk.Name) ($($disk.DiskSizeGB) GB)"
}
'Monthly saving: {0:N2}' -f ($report | Measure-Object MonthlyCost -Sum).Sum""",
        example="-MinimumAgeDays {{AgeDays}} -WhatIf",
        modules=("Az.Accounts", "Az.Compute"),
        slots={"AgeDays": ("7", "14", "30", "60", "90")},
        commits={"extra": "Take a final snapshot before deleting a disk"},
        risks=("Deleting a managed disk is irreversible unless a snapshot exists.",),
    ),
    Family(
        key="azure-storage-audit",
        category="Cloud Management",
        name="Get-AzStorageSecurityReport",
        titles=(
            "Azure Storage Account Security Audit ({{Org}})",
            "Find Storage Accounts Allowing HTTP or Old TLS",
            "Storage Hardening Check for {{Subscription}}",
        ),
        synopsis="Audits Azure storage accounts for insecure settings.",
        description=(
            "Checks every storage account in the given subscriptions for HTTP access, old TLS "
            "versions, public blob access and an open firewall, and can fix them."
        ),
        purpose=(
            "Finds {{Org}} storage accounts that allow HTTP, old TLS or anonymous blob access."
        ),
        tags=("azure", "security", "compliance", "auditing"),
        params=r"""
SubscriptionId|string[]||'{{SubscriptionId}}'||Subscriptions to audit.
MinimumTlsVersion|string||'TLS1_2'|ValidateSet('TLS1_0', 'TLS1_1', 'TLS1_2')|Lowest acceptable TLS version.
?extra|Remediate|switch||||Enforce HTTPS-only and the minimum TLS version on failing accounts.""",
        body=r"""
$findings = foreach ($subscription in $SubscriptionId) {
    Set-AzContext -SubscriptionId $subscription | Out-Null
?verbose|    Write-Verbose "Auditing storage accounts in $subscription"
    foreach ($account in Get-AzStorageAccount) {
        $issues = @()
        if (-not $account.EnableHttpsTrafficOnly) { $issues += 'HTTP allowed' }
        if ($account.MinimumTlsVersion -ne $MinimumTlsVersion) { $issues += 'Old TLS' }
        if ($account.AllowBlobPublicAccess) { $issues += 'Public blob access' }
        if ($account.NetworkRuleSet.DefaultAction -eq 'Allow') { $issues += 'Open firewall' }
        if (-not $issues) { continue }
?extra|        if ($Remediate -and $PSCmdlet.ShouldProcess($account.StorageAccountName, 'Harden')) {
?extra|            $hardening = @{
?extra|                ResourceGroupName      = $account.ResourceGroupName
?extra|                Name                   = $account.StorageAccountName
?extra|                EnableHttpsTrafficOnly = $true
?extra|                MinimumTlsVersion      = $MinimumTlsVersion
?extra|                AllowBlobPublicAccess  = $false
?extra|            }
?extra|            Set-AzStorageAccount @hardening | Out-Null
?extra|        }
        [pscustomobject]@{
            Subscription = $subscription
            Account      = $account.StorageAccountName
            Location     = $account.PrimaryLocation
            Issues       = $issues -join '; '
        }
    }
}
?export|$findings | Export-Csv -Path '{{ReportDir}}\StorageAudit.csv' -NoTypeInformation
?!verbose|Write-Host "$(@($findings).Count) storage accounts need attention"
$findings""",
        example="-SubscriptionId {{SubscriptionId}}",
        modules=("Az.Accounts", "Az.Storage"),
        commits={"extra": "Add -Remediate to enforce HTTPS and TLS 1.2"},
    ),
    Family(
        key="aws-ec2-inventory",
        category="Cloud Management",
        name="Get-EC2InventoryReport",
        titles=(
            "AWS EC2 Instance Inventory ({{AwsRegion}})",
            "EC2 Inventory with Name Tags for {{Org}}",
            "Untagged EC2 Instances Report ({{Env}})",
        ),
        synopsis="Inventories EC2 instances across AWS regions.",
        description=(
            "Lists every EC2 instance in the given regions with its Name tag, type, state, "
            "launch time and private IP, and warns about instances without a Name tag."
        ),
        purpose=("Keeps the {{Org}} CMDB in sync with the EC2 instances running in {{AwsRegion}}."),
        tags=("aws", "inventory", "reporting", "csv", "credentials"),
        params=r"""
Region|string[]||'{{AwsRegion}}'|ValidateNotNullOrEmpty()|AWS regions to inventory.
ProfileName|string||'{{OrgShort}}-{{EnvShort}}'||Named AWS credential profile.
?export|ExportPath|string||'{{ReportDir}}\ec2-inventory.csv'||CSV output path.""",
        body=r"""
?secure|Set-AWSCredential -ProfileName $ProfileName
?!secure|Set-AWSCredential -AccessKey '{{AwsAccessKey}}' -SecretKey '{{AwsSecretKey}}' `
?!secure|    -StoreAs $ProfileName
$inventory = foreach ($r in $Region) {
?verbose|    Write-Verbose "Listing instances in $r"
    (Get-EC2Instance -Region $r -ProfileName $ProfileName).Instances | ForEach-Object {
        [pscustomobject]@{
            Region     = $r
            InstanceId = $_.InstanceId
            Name       = ($_.Tags | Where-Object Key -eq 'Name').Value
            Type       = $_.InstanceType.Value
            State      = $_.State.Name.Value
            LaunchTime = $_.LaunchTime
            PrivateIp  = $_.PrivateIpAddress
        }
    }
}
?extra|$untagged = $inventory | Where-Object { -not $_.Name }
?extra|if ($untagged) { Write-Warning "$(@($untagged).Count) instances have no Name tag" }
?export|$inventory | Export-Csv -Path $ExportPath -NoTypeInformation
$inventory | Sort-Object Region, Name""",
        example="-Region {{AwsRegion}} -ProfileName {{OrgShort}}-{{EnvShort}}",
        modules=("AWS.Tools.Common", "AWS.Tools.EC2"),
        slots={
            "AwsAccessKey": ("AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"),
            "AwsSecretKey": (
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
            ),
        },
        commits={
            "extra": "Warn about instances without a Name tag",
            "secure": "Use a named credential profile instead of inline keys",
        },
    ),
)

_NETWORK: tuple[Family, ...] = (
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

_MONITORING: tuple[Family, ...] = (
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

_BACKUP: tuple[Family, ...] = (
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

_DEVOPS: tuple[Family, ...] = (
    Family(
        key="scheduled-task",
        category="Automation & DevOps",
        name="Register-MaintenanceTask",
        titles=(
            "Register {{TaskPurpose}} Scheduled Task",
            "Scheduled Task Setup for {{Org}} Maintenance Scripts",
            "Daily {{TaskPurpose}} Task at {{TaskTime}}",
        ),
        synopsis="Registers a daily scheduled task that runs a PowerShell script.",
        description=(
            "Creates or replaces a scheduled task that runs the given script daily with "
            "restart-on-failure settings and a two-hour time limit."
        ),
        purpose=(
            "Schedules the {{TaskPurpose}} script to run every day at {{TaskTime}} under a "
            "service account."
        ),
        tags=("scheduled-task", "automation", "deployment", "credentials"),
        params=r"""
TaskName|string||'{{OrgShort}} {{TaskPurpose}}'||Name of the scheduled task.
ScriptPath|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|PowerShell script the task runs.
At|string||'{{TaskTime}}'|ValidatePattern('^\d{2}:\d{2}$')|Daily start time (HH:mm).
?secure|Credential|pscredential|M|||Account the task runs as.""",
        body=r"""
?!secure|$password = '{{WeakPassword}}'
$action = New-ScheduledTaskAction -Execute 'powershell.exe' `
    -Argument "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$ScriptPath`""
$trigger = New-ScheduledTaskTrigger -Daily -At $At
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable `
    -ExecutionTimeLimit (New-TimeSpan -Hours 2) `
    -RestartCount 3 -RestartInterval (New-TimeSpan -Minutes 10)
?extra|if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
?extra|    Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
?extra|}
$task = @{
    TaskName = $TaskName
    TaskPath = '\{{OrgShort}}\'
    Action   = $action
    Trigger  = $trigger
    Settings = $settings
?secure|    User     = $Credential.UserName
?secure|    Password = $Credential.GetNetworkCredential().Password
?!secure|    User     = '{{NetBIOS}}\svc-{{TaskUser}}'
?!secure|    Password = $password
    RunLevel = 'Highest'
}
?whatif|if (-not $PSCmdlet.ShouldProcess($TaskName, 'Register scheduled task')) { return }
Register-ScheduledTask @task | Out-Null
?verbose|Write-Verbose "Registered '$TaskName' to run daily at $At"
Get-ScheduledTask -TaskName $TaskName | Select-Object TaskName, State, TaskPath""",
        example="-ScriptPath 'C:\\Scripts\\{{TaskScript}}.ps1' -At {{TaskTime}}",
        slots={
            "TaskPurpose": (
                "Nightly Cleanup",
                "Log Rotation",
                "Report Export",
                "Inventory Sync",
                "Certificate Check",
                "Backup Verification",
            ),
            "TaskTime": ("01:30", "02:00", "03:15", "04:45", "22:30", "23:00"),
            "TaskUser": ("tasks", "automation", "maint", "reports"),
            "TaskScript": ("Invoke-Cleanup", "Export-Reports", "Sync-Inventory"),
            "WeakPassword": ("Welcome2024!", "Summer2024!", "Tasks#2023", "Sched!1234"),
        },
        commits={
            "extra": "Replace the task if it already exists",
            "secure": "Take the run-as account as a PSCredential",
        },
        admin=True,
    ),
    Family(
        key="iis-deploy",
        category="Automation & DevOps",
        name="Publish-IisWebsite",
        titles=(
            "Deploy {{WebApp}} to IIS on {{WebServer}}",
            "IIS Release Deployment with App Pool Recycle ({{Env}})",
            "Blue/Green-Style IIS Release Folders for {{WebApp}}",
        ),
        synopsis="Deploys a zipped build to IIS as a new release folder.",
        description=(
            "Extracts the build into a new release folder, creates the app pool and site on "
            "first deployment and otherwise repoints the site and recycles the pool."
        ),
        purpose=(
            "Deploys new {{WebApp}} builds to {{WebServer}} with a release folder per "
            "deployment so rollbacks are a path change."
        ),
        tags=("iis", "deployment", "ci-cd", "automation"),
        params=r"""
SiteName|string||'{{WebApp}}'|ValidateNotNullOrEmpty()|IIS site name.
PackagePath|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|Zip with the build output.
PhysicalRoot|string||'D:\inetpub\sites'||Parent folder for site content.
Port|int||{{WebPort}}|ValidateRange(1, 65535)|HTTP binding port.
?extra|KeepReleases|int||{{Keep}}|ValidateRange(1, 20)|Number of releases to keep.""",
        body=r"""
$release = Join-Path -Path $PhysicalRoot -ChildPath "$SiteName\releases\$(Get-Date -Format yyyyMMddHHmmss)"
Expand-Archive -Path $PackagePath -DestinationPath $release
$poolName = "$SiteName-pool"
if (-not (Test-Path -Path "IIS:\AppPools\$poolName")) {
    New-WebAppPool -Name $poolName | Out-Null
    Set-ItemProperty -Path "IIS:\AppPools\$poolName" -Name managedRuntimeVersion -Value ''
}
?whatif|if (-not $PSCmdlet.ShouldProcess($SiteName, "Switch to $release")) { return }
if (-not (Get-Website -Name $SiteName)) {
?verbose|    Write-Verbose "Creating site $SiteName on port $Port"
    New-Website -Name $SiteName -Port $Port -PhysicalPath $release -ApplicationPool $poolName |
        Out-Null
}
else {
    Stop-WebAppPool -Name $poolName
    Set-ItemProperty -Path "IIS:\Sites\$SiteName" -Name physicalPath -Value $release
    Start-WebAppPool -Name $poolName
}
?extra|Get-ChildItem -Path (Split-Path -Path $release -Parent) -Directory |
?extra|    Sort-Object Name -Descending | Select-Object -Skip $KeepReleases |
?extra|    Remove-Item -Recurse -Force
?!verbose|Write-Host "Deployed $SiteName from $PackagePath" -ForegroundColor Green
Get-Website -Name $SiteName | Select-Object Name, State, PhysicalPath""",
        example="-SiteName {{WebApp}} -PackagePath .\\drop\\{{WebApp}}.zip",
        modules=("WebAdministration",),
        slots={
            "WebApp": ("intranet", "hr-portal", "timesheets", "helpdesk", "api-gateway", "docs"),
            "WebPort": ("80", "8080", "8081", "8088", "5000"),
            "Keep": ("3", "5", "10"),
        },
        commits={"extra": "Prune old release folders"},
        risks=("Stopping the app pool drops in-flight requests.",),
        admin=True,
    ),
    Family(
        key="pester-ci",
        category="Automation & DevOps",
        name="Invoke-PesterCI",
        titles=(
            "Pester CI Test Run for {{ModuleName}}",
            "Run Pester 5 Tests with Coverage Gate ({{Coverage}}%)",
            "Build Pipeline Test Step for {{ModuleName}}",
        ),
        synopsis="Runs Pester 5 tests in CI with NUnit output and a coverage gate.",
        description=(
            "Builds a Pester 5 configuration that writes NUnit XML for the CI server, "
            "measures code coverage and fails the build when tests fail or coverage drops "
            "below {{Coverage}} percent."
        ),
        purpose=(
            "Gates {{ModuleName}} pull requests on passing Pester tests and {{Coverage}}% code "
            "coverage."
        ),
        tags=("pester", "ci-cd", "automation"),
        params=r"""
Path|string||'.\tests'|ValidateNotNullOrEmpty()|Folder with *.Tests.ps1 files.
OutputPath|string||'.\TestResults\testResults.xml'||NUnit XML result file for the CI server.
CoverageThreshold|int||{{Coverage}}|ValidateRange(0, 100)|Minimum code coverage percentage.
?extra|Tag|string[]||||Only run tests with these tags.""",
        body=r"""
$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $OutputPath
$config.CodeCoverage.Enabled = $true
$config.CodeCoverage.Path = '.\src\{{ModuleName}}'
$config.Output.Verbosity = '{{Verbosity}}'
?extra|if ($Tag) { $config.Filter.Tag = $Tag }
?verbose|Write-Verbose "Running Pester $((Get-Module -Name Pester).Version) against $Path"
$result = Invoke-Pester -Configuration $config
$coverage = [math]::Round($result.CodeCoverage.CoveragePercent, 1)
?!verbose|Write-Host "Passed: $($result.PassedCount) Failed: $($result.FailedCount) Coverage: $coverage%"
if ($result.FailedCount -gt 0) {
    throw "$($result.FailedCount) test(s) failed"
}
if ($coverage -lt $CoverageThreshold) {
    throw "Coverage $coverage% is below the required $CoverageThreshold%"
}""",
        example="-Path .\\tests -CoverageThreshold {{Coverage}}",
        modules=("Pester",),
        slots={
            "ModuleName": (
                "OpsTools",
                "InfraAutomation",
                "AdHelpers",
                "ReportKit",
                "DeployTools",
                "CloudOps",
            ),
            "Verbosity": ("Detailed", "Normal", "Minimal"),
            "Coverage": ("60", "70", "75", "80", "90"),
        },
        commits={"extra": "Add -Tag filter for quick runs"},
        ps_version="7.2",
    ),
    Family(
        key="module-publish",
        category="Automation & DevOps",
        name="Publish-InternalModule",
        titles=(
            "Publish {{ModuleName}} to the {{RepoName}} Feed",
            "Internal PowerShell Module Release ({{Org}})",
            "Version Bump and Publish for {{ModuleName}}",
        ),
        synopsis="Validates, versions and publishes a module to an internal repository.",
        description=(
            "Validates the module manifest, optionally bumps its version, compares it with the "
            "version in the repository and publishes it with the feed's API key."
        ),
        purpose=(
            "Releases new versions of the {{ModuleName}} module to the internal {{RepoName}} "
            "repository."
        ),
        tags=("deployment", "ci-cd", "automation", "credentials"),
        params=r"""
ModulePath|string|M||ValidateScript({ Test-Path -Path $_ -PathType Container })|Folder with the module manifest.
Repository|string||'{{RepoName}}'||Registered PSRepository to publish to.
?extra|BumpVersion|string||'Patch'|ValidateSet('Major', 'Minor', 'Patch')|Which part of the version to increment.""",
        body=r"""
?secure|$apiKey = Get-Secret -Name '{{RepoName}}-ApiKey' -Vault '{{Vault}}' -AsPlainText
?!secure|$apiKey = '{{ApiKey}}'
$manifestPath = Get-ChildItem -Path $ModulePath -Filter '*.psd1' |
    Select-Object -First 1 -ExpandProperty FullName
$manifest = Test-ModuleManifest -Path $manifestPath
?extra|$v = $manifest.Version
?extra|$next = switch ($BumpVersion) {
?extra|    'Major' { [version]::new($v.Major + 1, 0, 0) }
?extra|    'Minor' { [version]::new($v.Major, $v.Minor + 1, 0) }
?extra|    'Patch' { [version]::new($v.Major, $v.Minor, $v.Build + 1) }
?extra|}
?extra|Update-ModuleManifest -Path $manifestPath -ModuleVersion $next
$published = Find-Module -Name $manifest.Name -Repository $Repository -ErrorAction SilentlyContinue
?verbose|Write-Verbose "Local $($manifest.Version), repository $($published.Version)"
?whatif|if (-not $PSCmdlet.ShouldProcess("$($manifest.Name) to $Repository", 'Publish')) { return }
Publish-Module -Path $ModulePath -Repository $Repository -NuGetApiKey $apiKey
?!verbose|Write-Host "Published $($manifest.Name)" -ForegroundColor Green""",
        example="-ModulePath .\\src\\{{ModuleName}}",
        modules=("PowerShellGet",),
        slots={
            "ModuleName": ("OpsTools", "InfraAutomation", "AdHelpers", "ReportKit"),
            "RepoName": ("InternalPSGallery", "OpsFeed", "ProGet", "NexusPS"),
            "ApiKey": (
                "oy2k3l9fq0d7hx2m5c8vnb1r4t6w9zs0aple3xg7ik5j",
                "b4c1e8f2-77aa-4d3e-9c60-d15e2a9f0b37",
            ),
        },
        commits={
            "extra": "Add -BumpVersion",
            "secure": "Read the API key from SecretManagement",
        },
    ),
    Family(
        key="remote-install",
        category="Automation & DevOps",
        name="Install-SoftwareRemotely",
        titles=(
            "Remote Chocolatey Install of {{PackageName}}",
            "Push {{PackageName}} to {{Dept}} Workstations",
            "Software Rollout with Chocolatey ({{SiteName}})",
        ),
        synopsis="Installs Chocolatey packages on remote computers.",
        description=(
            "Bootstraps Chocolatey where it is missing and installs the requested packages on "
            "each computer over PowerShell remoting, reporting the installer exit codes."
        ),
        purpose=(
            "Rolls out {{PackageName}} to {{Dept}} machines without a software distribution server."
        ),
        tags=("deployment", "remoting", "automation", "inventory"),
        params=r"""
ComputerName|string[]|M||ValidateNotNullOrEmpty()|Target computers.
Package|string[]||{{Packages}}||Chocolatey package names to install.
?extra|Source|string||'https://nexus.{{MailDomain}}/repository/chocolatey'||Internal Chocolatey feed.""",
        body=r"""
$install = {
    param($Packages, $Source)
    if (-not (Get-Command -Name choco.exe -ErrorAction SilentlyContinue)) {
?!secure|        Set-ExecutionPolicy Bypass -Scope Process -Force
?!secure|        $url = 'https://community.chocolatey.org/install.ps1'
?!secure|        iex ((New-Object System.Net.WebClient).DownloadString($url))
?secure|        $installer = Join-Path -Path $env:TEMP -ChildPath 'choco-install.ps1'
?secure|        Copy-Item -Path '\\{{FileServer}}\Software\Chocolatey\install.ps1' -Destination $installer
?secure|        $signature = Get-AuthenticodeSignature -FilePath $installer
?secure|        if ($signature.Status -ne 'Valid') { throw 'Chocolatey installer is not signed' }
?secure|        & $installer
    }
    foreach ($name in $Packages) {
        $chocoArgs = @('install', $name, '-y', '--no-progress')
?extra|        if ($Source) { $chocoArgs += @('--source', $Source) }
        & choco.exe @chocoArgs | Out-Null
        [pscustomobject]@{ Package = $name; ExitCode = $LASTEXITCODE }
    }
}
?verbose|Write-Verbose "Installing $($Package -join ', ') on $($ComputerName.Count) computer(s)"
$results = Invoke-Command -ComputerName $ComputerName -ScriptBlock $install `
    -ArgumentList $Package, $Source
$failed = $results | Where-Object { $_.ExitCode -notin 0, 1641, 3010 }
foreach ($f in $failed) {
    Write-Warning "$($f.PSComputerName): $($f.Package) exited with $($f.ExitCode)"
}
$results | Select-Object PSComputerName, Package, ExitCode""",
        example="-ComputerName {{Server1}} -Package {{Packages}}",
        slots={
            "Packages": (
                "'7zip', 'notepadplusplus'",
                "'googlechrome', 'firefox'",
                "'vscode', 'git'",
                "'putty', 'winscp'",
                "'adobereader'",
                "'sysinternals', 'wireshark'",
            ),
            "PackageName": ("7-Zip", "Chrome", "VS Code", "PuTTY", "Adobe Reader", "Sysinternals"),
        },
        commits={
            "extra": "Install from the internal feed",
            "secure": "Install Chocolatey from a signed internal copy",
        },
        risks=("Installs software with administrative rights on every target.",),
    ),
)

_DATA: tuple[Family, ...] = (
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

_EXCHANGE: tuple[Family, ...] = (
    Family(
        key="mailbox-size",
        category="Exchange & Microsoft 365",
        name="Get-MailboxSizeReport",
        titles=(
            "Mailbox Size Report for {{Org}}",
            "Large Mailboxes Over {{WarnGB}} GB",
            "Exchange Online Mailbox Usage ({{Dept}})",
        ),
        synopsis="Reports mailbox sizes and flags large mailboxes.",
        description=(
            "Reads size, item count and last logon of every mailbox of the chosen type and "
            "flags those larger than {{WarnGB}} GB."
        ),
        purpose=("Finds {{Org}} mailboxes close to their quota so they can be archived in time."),
        tags=("exchange-online", "mailbox", "reporting", "csv"),
        params=r"""
WarningGB|int||{{WarnGB}}|ValidateRange(1, 100)|Flag mailboxes larger than this.
RecipientType|string||'UserMailbox'|ValidateSet('UserMailbox', 'SharedMailbox', 'RoomMailbox')|Mailbox type to include.
?export|ExportPath|string||'{{ReportDir}}\MailboxSizes.csv'||CSV output path.""",
        body=r"""
?modern|Connect-ExchangeOnline -UserPrincipalName '{{AdminUpn}}' -ShowBanner:$false
?!modern|$session = New-PSSession -ConfigurationName Microsoft.Exchange -Authentication Kerberos `
?!modern|    -ConnectionUri 'http://{{ExServer}}/PowerShell/'
?!modern|Import-PSSession -Session $session -DisableNameChecking | Out-Null
?modern|$mailboxes = Get-EXOMailbox -RecipientTypeDetails $RecipientType -ResultSize Unlimited
?!modern|$mailboxes = Get-Mailbox -RecipientTypeDetails $RecipientType -ResultSize Unlimited
$report = foreach ($mailbox in $mailboxes) {
?modern|    $stats = Get-EXOMailboxStatistics -Identity $mailbox.UserPrincipalName
?!modern|    $stats = Get-MailboxStatistics -Identity $mailbox.UserPrincipalName
    $sizeText = $stats.TotalItemSize.Value.ToString()
    $bytes = [int64](($sizeText -replace '.*\(([\d,]+) bytes\).*', '$1') -replace ',', '')
    [pscustomobject]@{
        DisplayName = $mailbox.DisplayName
        Upn         = $mailbox.UserPrincipalName
        Items       = $stats.ItemCount
        SizeGB      = [math]::Round($bytes / 1GB, 2)
        LastLogon   = $stats.LastLogonTime
    }
}
$large = $report | Where-Object SizeGB -gt $WarningGB
?verbose|Write-Verbose "$(@($large).Count) mailboxes exceed $WarningGB GB"
?export|$report | Sort-Object SizeGB -Descending | Export-Csv -Path $ExportPath -NoTypeInformation
?extra,modern|Disconnect-ExchangeOnline -Confirm:$false
$large | Sort-Object SizeGB -Descending""",
        example="-WarningGB {{WarnGB}}",
        modules=("ExchangeOnlineManagement",),
        slots={"WarnGB": ("20", "30", "40", "45")},
        commits={
            "extra": "Disconnect the session when done",
            "modern": "Move to the EXO V3 REST cmdlets",
        },
        insights=(
            "Get-EXOMailbox and Get-EXOMailboxStatistics use the REST API and are much faster "
            "than the remote PowerShell cmdlets for large tenants.",
        ),
    ),
    Family(
        key="license-report",
        category="Exchange & Microsoft 365",
        name="Get-M365LicenseReport",
        titles=(
            "Microsoft 365 License Usage Report ({{Org}})",
            "Unused M365 Licenses in {{Dept}}",
            "License Assignment Audit via Microsoft Graph",
        ),
        synopsis="Reports purchased, assigned and unused Microsoft 365 licences.",
        description=(
            "Uses Microsoft Graph to list purchased and consumed units per SKU and every "
            "licensed user with department and last sign-in."
        ),
        purpose=(
            "Reclaims unused Microsoft 365 licences at {{Org}} by showing assignments and "
            "inactive licensed users."
        ),
        tags=("microsoft-365", "licensing", "microsoft-graph", "reporting", "csv"),
        params=r"""
SkuPartNumber|string[]||{{Skus}}||License SKUs to report on.
?extra|InactiveDays|int||{{Days}}|ValidateRange(7, 365)|Flag licensed users inactive for this many days.
?export|ExportPath|string||'{{ReportDir}}\Licenses.csv'||CSV output path.""",
        body=r"""
Connect-MgGraph -Scopes 'User.Read.All', 'Organization.Read.All', 'AuditLog.Read.All' -NoWelcome
$skus = Get-MgSubscribedSku | Where-Object SkuPartNumber -in $SkuPartNumber
$summary = $skus | Select-Object SkuPartNumber,
    @{ n = 'Purchased'; e = { $_.PrepaidUnits.Enabled } },
    @{ n = 'Assigned'; e = { $_.ConsumedUnits } },
    @{ n = 'Available'; e = { $_.PrepaidUnits.Enabled - $_.ConsumedUnits } }
$properties = 'DisplayName', 'UserPrincipalName', 'AssignedLicenses', 'SignInActivity', 'Department'
$users = Get-MgUser -All -Property $properties -Filter 'assignedLicenses/$count ne 0' `
    -ConsistencyLevel eventual -CountVariable licensedCount
?verbose|Write-Verbose "$licensedCount licensed users"
$assignments = foreach ($user in $users) {
    $userSkus = $skus | Where-Object SkuId -in $user.AssignedLicenses.SkuId
    foreach ($sku in $userSkus) {
        [pscustomobject]@{
            User       = $user.UserPrincipalName
            Department = $user.Department
            Sku        = $sku.SkuPartNumber
            LastSignIn = $user.SignInActivity.LastSignInDateTime
        }
    }
}
?extra|$cutoff = (Get-Date).AddDays(-$InactiveDays)
?extra|$inactive = $assignments | Where-Object { $_.LastSignIn -and $_.LastSignIn -lt $cutoff }
?extra|Write-Warning "$(@($inactive).Count) licences belong to users inactive for $InactiveDays days"
?export|$assignments | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
?!verbose|Write-Host "$(@($assignments).Count) assignments" -ForegroundColor Cyan
$summary""",
        example="-SkuPartNumber {{Skus}}",
        modules=("Microsoft.Graph.Users", "Microsoft.Graph.Identity.DirectoryManagement"),
        slots={
            "Skus": (
                "'SPE_E3', 'SPE_E5'",
                "'ENTERPRISEPACK'",
                "'O365_BUSINESS_PREMIUM', 'EMS'",
                "'SPE_E3', 'POWER_BI_PRO'",
                "'ENTERPRISEPREMIUM', 'VISIOCLIENT'",
            ),
            "Days": ("30", "60", "90"),
        },
        commits={"extra": "Flag licences held by inactive users"},
        ps_version="7.2",
    ),
    Family(
        key="shared-mailbox",
        category="Exchange & Microsoft 365",
        name="Grant-SharedMailboxAccess",
        titles=(
            "Grant Access to the {{SharedBox}} Shared Mailbox",
            "Shared Mailbox Permission Grant ({{Dept}})",
            "Add Full Access and Send As for {{SharedBox}}",
        ),
        synopsis="Grants users Full Access (and optionally Send As) on a shared mailbox.",
        description=(
            "Connects to Exchange Online, grants the listed users the requested permission "
            "on the shared mailbox with auto-mapping and shows the resulting permissions."
        ),
        purpose=(
            "Handles access requests for the {{SharedBox}} shared mailbox of the {{Dept}} team."
        ),
        tags=("exchange-online", "mailbox", "permissions", "credentials"),
        params=r"""
Mailbox|string||'{{SharedBox}}@{{MailDomain}}'|ValidateNotNullOrEmpty()|Shared mailbox.
User|string[]|M||ValidateNotNullOrEmpty()|Users who get access.
AccessRights|string||'FullAccess'|ValidateSet('FullAccess', 'ReadPermission')|Mailbox permission to grant.
?extra|SendAs|switch||||Also grant Send As.""",
        body=r"""
?secure|Connect-ExchangeOnline -CertificateThumbprint '{{Thumbprint}}' -AppId '{{AppId}}' `
?secure|    -Organization '{{Tenant}}' -ShowBanner:$false
?!secure|$securePassword = ConvertTo-SecureString '{{WeakPassword}}' -AsPlainText -Force
?!secure|$cred = New-Object System.Management.Automation.PSCredential('{{AdminUpn}}', $securePassword)
?!secure|Connect-ExchangeOnline -Credential $cred -ShowBanner:$false
$target = Get-EXOMailbox -Identity $Mailbox -RecipientTypeDetails SharedMailbox
foreach ($u in $User) {
?whatif|    if (-not $PSCmdlet.ShouldProcess($target.PrimarySmtpAddress, "Grant to $u")) { continue }
    Add-MailboxPermission -Identity $target.Identity -User $u -AccessRights $AccessRights `
        -InheritanceType All -AutoMapping $true | Out-Null
?extra|    if ($SendAs) {
?extra|        Add-RecipientPermission -Identity $target.Identity -Trustee $u -AccessRights SendAs `
?extra|            -Confirm:$false | Out-Null
?extra|    }
?verbose|    Write-Verbose "Granted $AccessRights on $($target.PrimarySmtpAddress) to $u"
?!verbose|    Write-Host "Granted $AccessRights to $u"
}
Get-EXOMailboxPermission -Identity $target.Identity |
    Where-Object { $_.User -notlike 'NT AUTHORITY\*' } |
    Select-Object Identity, User, AccessRights""",
        example="-Mailbox {{SharedBox}}@{{MailDomain}} -User someone@{{MailDomain}}",
        modules=("ExchangeOnlineManagement",),
        slots={
            "SharedBox": (
                "accounts-payable",
                "helpdesk",
                "reception",
                "hr-inbox",
                "sales-leads",
                "invoices",
                "it-alerts",
            ),
            "Thumbprint": (
                "3A1F9C0D5E7B2A4C6D8E0F1A2B3C4D5E6F708192",
                "B7C2E91F0A3D5C7E9F1B3D5F7A9C1E3B5D7F9A1C",
            ),
            "WeakPassword": ("Exchange2024!", "Admin#2023", "M365Adm!n1"),
        },
        commits={
            "extra": "Add -SendAs",
            "secure": "Use certificate-based app authentication",
        },
        risks=("Full Access lets the user read every item in the mailbox.",),
    ),
    Family(
        key="forwarding-audit",
        category="Exchange & Microsoft 365",
        name="Get-MailForwardingAudit",
        titles=(
            "External Mail Forwarding Audit ({{Org}})",
            "Find Inbox Rules Forwarding Outside {{MailDomain}}",
            "Mailbox Forwarding Exfiltration Check",
        ),
        synopsis="Finds mailboxes and inbox rules that forward mail to external domains.",
        description=(
            "Checks mailbox-level forwarding and, optionally, inbox rules for forwarding or "
            "redirecting to domains outside the allowed list, a common sign of compromised "
            "accounts."
        ),
        purpose=("Detects data exfiltration through external forwarding from {{Org}} mailboxes."),
        tags=("exchange-online", "security", "auditing", "mailbox", "csv"),
        params=r"""
AllowedDomain|string[]||@('{{MailDomain}}', '{{Tenant}}')||Domains that forwarding may target.
?extra|IncludeInboxRules|switch||||Also inspect inbox rules that forward or redirect mail.
?export|ExportPath|string||'{{ReportDir}}\ForwardingAudit.csv'||CSV output path.""",
        body=r"""
Connect-ExchangeOnline -UserPrincipalName '{{AdminUpn}}' -ShowBanner:$false
$isExternal = {
    param($address)
    $domain = ($address -replace '^smtp:', '' -split '@')[-1]
    $domain -and $domain -notin $AllowedDomain
}
$findings = [System.Collections.Generic.List[object]]::new()
$mailboxes = Get-EXOMailbox -ResultSize Unlimited -Properties ForwardingSmtpAddress, DeliverToMailboxAndForward
$forwarding = $mailboxes | Where-Object ForwardingSmtpAddress
foreach ($mb in $forwarding) {
    if (-not (& $isExternal $mb.ForwardingSmtpAddress)) { continue }
    $findings.Add([pscustomobject]@{
            Mailbox  = $mb.UserPrincipalName
            Type     = 'Mailbox forwarding'
            Target   = $mb.ForwardingSmtpAddress
            KeepCopy = $mb.DeliverToMailboxAndForward
        })
}
?extra|if ($IncludeInboxRules) {
?extra|    foreach ($mb in $mailboxes) {
?extra|        $rules = Get-InboxRule -Mailbox $mb.UserPrincipalName -ErrorAction SilentlyContinue |
?extra|            Where-Object { $_.ForwardTo -or $_.RedirectTo -or $_.ForwardAsAttachmentTo }
?extra|        foreach ($rule in $rules) {
?extra|            $targets = @($rule.ForwardTo) + @($rule.RedirectTo) + @($rule.ForwardAsAttachmentTo)
?extra|            $findings.Add([pscustomobject]@{
?extra|                    Mailbox  = $mb.UserPrincipalName
?extra|                    Type     = "Inbox rule '$($rule.Name)'"
?extra|                    Target   = $targets -join ', '
?extra|                    KeepCopy = $null
?extra|                })
?extra|        }
?extra|    }
?extra|}
?verbose|Write-Verbose "$($findings.Count) external forwarding rules found"
?!verbose|Write-Host "$($findings.Count) findings" -ForegroundColor Yellow
?export|$findings | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
$findings""",
        example="-AllowedDomain {{MailDomain}}",
        modules=("ExchangeOnlineManagement",),
        commits={"extra": "Also check inbox rules"},
        insights=("A generic List avoids re-copying the array on every += while findings grow.",),
    ),
)

FAMILIES: tuple[Family, ...] = (
    _SYSTEM
    + _SECURITY
    + _ACTIVE_DIRECTORY
    + _CLOUD
    + _NETWORK
    + _MONITORING
    + _BACKUP
    + _DEVOPS
    + _DATA
    + _EXCHANGE
)

# --- version history and advice ---------------------------------------------------------------

INITIAL_COMMITS: tuple[str, ...] = (
    "Initial version",
    "Initial commit",
    "First working draft",
    "Import from the scripts share",
    "Initial version from runbook notes",
)

FEATURE_COMMITS: dict[str, tuple[str, ...]] = {
    "help": (
        "Add comment-based help",
        "Document parameters and add examples",
        "Add .SYNOPSIS and usage examples",
    ),
    "validation": (
        "Add CmdletBinding and parameter validation",
        "Validate parameters",
        "Make parameters typed and validated",
    ),
    "errors": (
        "Add error handling",
        "Wrap main logic in try/catch",
        "Stop on errors and report a clear message",
    ),
    "verbose": (
        "Add verbose logging",
        "Replace Write-Host with Write-Verbose",
        "Use Write-Verbose for progress output",
    ),
    "whatif": (
        "Add -WhatIf support",
        "Support -WhatIf/-Confirm via ShouldProcess",
        "Honour -WhatIf before changing anything",
    ),
    "export": ("Export results to CSV", "Add -ExportPath parameter", "Write the report to CSV"),
    "modern": ("Replace legacy cmdlets for PowerShell 7", "Modernise cmdlet usage"),
    "secure": ("Remove hard-coded credentials", "Fix issues from security review"),
    "extra": ("Extend functionality",),
    "logging": ("Add transcript logging", "Write a log file per run"),
}

# Suggestions given when a script lacks the feature.
MISSING_FEATURE_ADVICE: dict[str, str] = {
    "errors": "Wrap the main logic in try/catch with $ErrorActionPreference = 'Stop' so "
    "failures stop the script with a clear message.",
    "verbose": "Replace Write-Host with Write-Verbose or Write-Information so output can be "
    "redirected and silenced.",
    "whatif": "Declare SupportsShouldProcess and call $PSCmdlet.ShouldProcess() before each "
    "change so -WhatIf can preview the run.",
    "export": "Offer an -ExportPath parameter so results can be kept as CSV.",
    "modern": "Replace Windows PowerShell-only cmdlets so the script also runs on PowerShell 7.",
    "logging": "Log each run (Start-Transcript or a log file) for troubleshooting scheduled runs.",
}

GENERIC_ADVICE: tuple[str, ...] = (
    "Add Pester tests for the parameter validation and the main code path.",
    "Sign the script with Set-AuthenticodeSignature before distributing it.",
    "Pin the module versions in #Requires -Modules to avoid surprises after updates.",
    "Return objects instead of formatted text so callers can sort and filter the output.",
    "Use -ErrorAction Stop on remote calls so a single failing host is reported.",
    "Move environment-specific defaults into a configuration file.",
)

# (needle in the code, note) for compatibility_notes.
COMPATIBILITY_RULES: tuple[tuple[str, str], ...] = (
    ("Get-WmiObject", "Get-WmiObject was removed in PowerShell 7; Get-CimInstance works in both."),
    ("Get-EventLog", "Get-EventLog exists only in Windows PowerShell 5.1; use Get-WinEvent."),
    (
        "Write-EventLog",
        "Write-EventLog exists only in Windows PowerShell 5.1; run under powershell.exe or log "
        "elsewhere on PowerShell 7.",
    ),
    (
        "Get-Service -ComputerName",
        "Get-Service -ComputerName was removed in PowerShell 7; query through Invoke-Command.",
    ),
    (
        "Send-MailMessage",
        "Send-MailMessage is obsolete since PowerShell 7.0 and cannot use modern authentication.",
    ),
    (
        "WebAdministration",
        "WebAdministration loads through the Windows PowerShell compatibility layer on "
        "PowerShell 7; IISAdministration is the native alternative.",
    ),
    (
        "-UseBasicParsing",
        "-UseBasicParsing only matters on Windows PowerShell 5.1; later versions always parse "
        "responses without Internet Explorer.",
    ),
    (
        "ServicePointManager",
        "ServicePointManager settings do not affect Invoke-WebRequest on PowerShell 7, which "
        "uses HttpClient; use -SslProtocol there.",
    ),
    (
        "ConfigurationName Microsoft.Exchange",
        "Remote PowerShell to Exchange Online is retired; the EXO V3 module works on 5.1 and 7.",
    ),
    ("ActiveDirectory", "ActiveDirectory needs RSAT; it runs natively on PowerShell 7 on Windows."),
    (
        "Get-LocalGroupMember",
        "Microsoft.PowerShell.LocalAccounts is 64-bit only and loads through the compatibility "
        "layer on PowerShell 7.",
    ),
)

# Endings of the try/catch wrapper; "{name}" is the script name.
CATCH_BLOCKS: tuple[str, ...] = (
    '    Write-Error "{name} failed: $($_.Exception.Message)"\n    exit 1',
    "    $PSCmdlet.ThrowTerminatingError($_)",
    '    Write-Warning "{name} stopped: $($_.Exception.Message)"\n    throw',
)

# Helper added by the "logging" feature when a script logs to its own file.
LOG_FUNCTION = r"""function Write-Log {
    param(
        [Parameter(Mandatory)][string]$Message,
        [ValidateSet('INFO', 'WARN', 'ERROR')][string]$Level = 'INFO'
    )
    $line = '{0:s} [{1}] {2}' -f (Get-Date), $Level, $Message
    Add-Content -Path $script:LogFile -Value $line
    Write-Verbose $line
}
"""

# (needle in the code, insight) for performance_insights.
PERFORMANCE_RULES: tuple[tuple[str, str], ...] = (
    (
        "Get-WmiObject",
        "Get-CimInstance reuses WS-Man sessions and is faster than the DCOM-based Get-WmiObject.",
    ),
    (
        "-ComputerName $computer",
        "Computers are queried one after another; one Invoke-Command call with all names fans "
        "out in parallel.",
    ),
    (
        "-Recurse",
        "Recursive scans are I/O-bound; -Filter is applied by the provider and is faster than "
        "filtering names with Where-Object.",
    ),
)

# Context slots drawn straight from a pool, and server slots as (slot, role, highest number).
POOL_SLOTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Author", AUTHORS),
    ("LogRoot", LOG_ROOTS),
    ("ReportDir", REPORT_DIRS),
    ("AwsRegion", AWS_REGIONS),
    ("SubscriptionId", FAKE_GUIDS),
    ("AppId", FAKE_GUIDS),
)
SERVER_SLOTS: tuple[tuple[str, str, int], ...] = (
    ("FileServer", "FS", 4),
    ("SqlServer", "SQL", 4),
    ("WebServer", "WEB", 6),
    ("AppServer", "APP", 8),
    ("DC", "DC", 3),
    ("HvHost", "HV", 8),
)

# A family tag is only kept when the script's lower-cased content shows it, because optional
# features decide whether a script emails, exports CSV, writes events or uses CIM at all.
TAG_EVIDENCE: dict[str, str] = {
    "csv": "csv",
    "email": "send-mailmessage",
    "html-report": "convertto-html",
    "remoting": "-computername",
    "cim": "cim",
    "event-log": "event",
}
