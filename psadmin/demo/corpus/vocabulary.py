"""What the corpus talks about: the task family shape, categories, tags and context pools.

Every script of a family shares its cmdlets and structure; the per-script context drawn
from the pools here (organisations, sites, servers, ...) fills the family's `{{Slot}}`s.
"""

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


# --- public vocabularies (re-exported by the package) ----------------------------------------

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
