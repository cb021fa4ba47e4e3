"""The catalogue seed data is drawn from: settings/registration items, printer settings, paper and names.

Items are written in a small text format so that the list reads like the machine's settings table::

    [Group/Path]
    Item Name = factory value | other value | …   !flags

Flags: ``n`` network setting (DID-03 ``<Network Settings>``), ``x`` not deliverable (DID-16). A value
may contain ``{name}``, ``{ip}``, ``{octet}`` or ``{location}``, filled in per machine. The first value
is the factory default. Item names follow the panel's labels; a ``/`` inside a label (``Timer/Energy``)
is avoided in group paths because the key uses ``/`` as its separator.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COMPANIES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "PAPER_BASE_TYPES",
    "PRINTER_SETTINGS",
    "SETTING_ITEMS",
    "SettingItem",
]


@dataclass(frozen=True)
class SettingItem:
    """One item of the settings catalogue: its key, possible values (factory first) and flags."""

    key: str
    values: tuple[str, ...]
    network: bool = False
    deliverable: bool = True


_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_DRAWERS = ("Multi-Purpose Tray", "Drawer 1", "Drawer 2", "Drawer 3", "Drawer 4")
_PAPER_FUNCTIONS = ("Copy", "Printer", "Access Stored Files", "Receive/Fax", "Other")
_DID = "Management Settings/Device Management/Device Information Distribution Settings"

_TEXT = """
[Preferences/Timer]
Current Date/Time = 2025-01-01 00:00 !x
Time Zone = (UTC+09:00) Osaka, Sapporo, Tokyo | (UTC) Dublin, Edinburgh, Lisbon, London | (UTC-05:00) Eastern Time (US & Canada) | (UTC+01:00) Amsterdam, Berlin, Rome
Daylight Saving Time = Off | On
Auto Sleep Time = 1 min | 10 min | 30 min | 60 min
Auto Reset Time = 1 min | 2 min | 30 sec | 3 min
Function After Auto Reset = Default Function | Selected Function
Auto Offline Time = 60 sec | 30 sec | 120 sec
Sleep Mode Energy Use = Low | High
Quick Startup Settings for Main Power = Off | On
Auto Shutdown Time = 4 hours | Off | 8 hours
Time Until Return to Sleep Mode = 10 sec | 30 sec
Print Time Until Sleep Mode = 0 sec | 10 sec
[Preferences/Display]
Default Screen After Startup/Restoration = Home | Copy | Scan and Send | Status Monitor
Default Screen (Status Monitor) = Copy/Print | Send | Receive | Store
Display Language = English | Japanese | French | German | Spanish | Italian
Language/Keyboard Switch = Off | On
Millimeter/Inch Entry Switch = Millimeter | Inch
Inverted Screen Colors = Off | On
Brightness = 3 | 1 | 2 | 4 | 5
Display Remaining Paper Message = On | Off
Display IP Address = On | Off
Display Time for Notification Messages = 2 sec | 1 sec | 5 sec
Display Consumables Information = On | Off
Display Guide = On | Off
Display Status Monitor After Job = Off | On
Display Toner Remaining Notification = On | Off
Notification to Clean Original Scanning Area = On | Off
Display Remaining Toner Notification Timing = Standard | Early
Display Notification When Maintenance Required = On | Off
Display Login Button = On | Off
Show Job List = On | Off
Home Screen Button Layout = 3 x 4 | 4 x 5
[Preferences/Accessibility]
Key Repetition Settings = Standard | Slow | Off
Long Press Time = Standard | Long
Scrolling Speed = Standard | Slow
Use Audio Guide = Off | On
Magnify Screen = Off | On
Reverse Display (Color) = Off | On
[Preferences/Volume]
Entry Tone = 2 | 0 | 3
Error Tone = 3 | 1 | 5
Job Done Tone = 3 | 0 | 5
Fax Transmission Done Tone = 3 | 0 | 5
Print Done Tone = 0 | 2
Scanning Done Tone = 0 | 2
Original Set Tone = 3 | 0
Energy Saver Tone = Off | On
[Preferences/Paper Settings]
Paper Size Group = AB | Inch | A
Register Free Size Paper = Off | On
Select Frequently Used Paper Sizes = All | A4/A3 | Letter/Legal
Envelope Feeder Settings = Envelope (No. 10) | DL | C5
Paper Drawer Switching Method = Normal | Ignore Paper Type
[Preferences/Network]
Use IPv4 = On !n
IPv4 Address = 192.0.2.{octet} !nx
Subnet Mask = 255.255.255.0 !nx
Gateway Address = 192.0.2.1 !nx
DHCP = Off | On !n
Primary DNS Server = 192.0.2.53 | 198.51.100.53 !n
Secondary DNS Server = 192.0.2.54 | 0.0.0.0 !n
Host Name = {name} !nx
Domain Name = office.example.com | example.com | corp.example.net !n
DNS Dynamic Update = Off | On !n
mDNS = On | Off !n
Use IPv6 = Off | On !n
Stateless Address = On | Off !n
DHCPv6 = Off | On !n
LLMNR = On | Off !n
WINS Resolution = Off | On !n
LPD Print = On | Off !n
RAW Print = On | Off !n
WSD Print = On | Off !n
IPP Print = On | Off !n
Use FTP Printing = Off | On !n
Use HTTP = On | Off !n
Use Proxy = Off | On !n
Proxy Server Address = proxy.example.com | 198.51.100.8 !n
Proxy Port Number = 8080 | 3128 !n
Use SNTP = On | Off !n
NTP Server Address = ntp.example.com | time.example.net !n
SNTP Polling Interval = 24 hours | 1 hour | 12 hours !n
SMTP Server = smtp.example.com | mail.example.net !n
SMTP Port Number = 587 | 25 | 465 !n
Use SMTP Authentication = On | Off !n
POP Server = pop.example.com | mail.example.net !n
Allowed TLS Versions = TLS 1.2 to TLS 1.3 | TLS 1.3 only !n
Use IPSec = Off | On !n
IEEE 802.1X = Off | On !n
IPv4 Address Filter = Off | On !n
MAC Address Filter = Off | On !n
Use SNMPv1 = On | Off !n
SNMP Community Name = public | print-fleet !n
Use SNMPv3 = Off | On !n
Dedicated Port Settings = On | Off !n
Ethernet Auto Detect = On | Off !n
Wait Time for Connection at Startup = 0 sec | 30 sec | 60 sec !n
Use Wi-Fi Direct = Off | On !n
Use SMB Client = On | Off !n
SMB Server = Off | On !n
[Preferences/External Interface]
Use as USB Device = On | Off
Use MEAP Driver for USB Input Device = Off | On
Use USB Storage Device = On | Off
Use Bluetooth = Off | On
[Function Settings/Common]
Print Priority = Copy | Printer | Same as Other
Number of Copies Default = 1 | 2
Paper Output Tray = Auto | Tray A | Tray B
Auto Orientation for Printing = On | Off
Print Both Sides of Received Documents = Off | On
Default Image Orientation = Portrait | Landscape
Reduce Noise on Scanned Images = Off | On
Image Quality Level for Compact PDF/XPS = Normal | Data Size Priority | Image Quality Priority
Use Image Generated for Text (OCR) = Off | On
OCR Language = English | Japanese | Multilingual
Trace and Smooth = Off | On
Use Skew Correction = On | Off
Auto Cleaning of Feeder = On | Off
Detect Feeder Multi Sheet Fed = On | Off
Print Barcode Quality = Standard | High
Delete Jobs After Completion = Off | On
Job Log Retention = 1 year | 3 months
Scanner Line Contamination Correction = Standard | Strong
Show Remaining Memory = On | Off
[Function Settings/Copy]
Color Mode = Auto (Color/Black & White) | Black & White | Full Color
Copy Ratio = 100% | 86% | 141%
2-Sided Copying = Off | 1>2-Sided | 2>2-Sided
Original Type = Text/Photo | Text | Photo | Printed Image
Density = Auto | 4 | 5 | 6
Finishing = Collate (Page Order) | Group | Staple
Auto Collate = On | Off
Rotate Images on Copy = On | Off
Photo Mode = Off | On
Auto Paper Selection for Different Size Originals = On | Off
Erase Frame = Off | On
Sharpness = 0 | 1 | -1
[Function Settings/Printer]
Restrict Printer Jobs = Off | On
Prioritize Driver Settings When Printing = On | Off
Print Without Confirming Settings = Off | On
[Function Settings/Send]
Limit New Destination = Off | On
Number of Retries = 3 | 0 | 5
Display Confirmation for Destinations = Off | On
Archive TX Document = Off | On
Maximum Data Size for Sending = 3 MB | 10 MB | 0 MB (no limit)
Default Subject = Attached Image | Scanned document | Scan from {name}
Allow MDN Not via Server = Off | On
Full Mode TX Timeout = 24 hours | 1 hour
File Format = PDF (Compact) | PDF | TIFF | JPEG | PDF (Compact/OCR)
Resolution = 300x300 dpi | 200x200 dpi | 600x600 dpi
Color Mode for Send = Auto (Color/Gray) | Black & White | Full Color
Unit Name = {name} !x
Unit Telephone Number = +1-212-555-01{octet} !x
TX Terminal ID = On | Off
ECM TX = On | Off
Pause Time = 2 sec | 4 sec
Auto Redial = On | Off
Redial Times = 2 | 1 | 5
Redial Interval = 2 min | 3 min
Check Dial Tone Before Sending = Off | On
Confirm Entered Fax Number = Off | On
Restrict Sequential Broadcast = Off | On
Allow Fax Driver TX = On | Off
Register Line Settings = Line 1 | Line 2
Use Scan and Send Destinations from Address Book = On | Off
[Function Settings/Receive]
Auto Receive = On | Off
Print on Both Sides = Off | On
Reduce RX Size = On | Off
Print Received Date = On | Off
Memory Lock = Off | On
Discard Fax Without Sender ID = Off | On
ECM RX = On | Off
Incoming Ring Count = 2 | 1 | 4
Remote Receiving = On | Off
Remote Receiving ID = 25 | 33
Print I-Fax Body Text = On | Off
Always Send Notice for Errors = Off | On
[Function Settings/Store and Access Files]
Print When Storing from Printer Driver = Off | On
Box Document Auto Delete = 3 days | Off | 7 days
Display Box Number = On | Off
Default File Name Format = Date and Time | Box Name
Network Place Access = On | Off
Use SMB Server for Advanced Space = Off | On
Advanced Space Authentication = Off | On
Memory Media Access = On | Off
[Function Settings/Secure Print]
Secure Print Deletion Time = 1 hour | 30 min | 3 hours
Restrict Jobs from Remote Devices Without User Info = Off | On
Encrypted Secure Print = On | Off
Restrict Printer Jobs Without PIN = Off | On
[Management Settings/User Management]
System Manager ID = 7654321 !x
System Manager PIN = ******* !x
Login Service = Department ID Management | User Authentication
Display Login Screen = When Operation Starts | When Function Is Selected
Use Lockout = On | Off
Lockout Threshold = 5 | 3 | 10
Lockout Period = 5 min | 3 min | 10 min
Restrict Jobs from Remote Devices Without User Info = Off | On
Allow Printer Jobs with Unknown IDs = Off | On
Allow Scan Jobs with Unknown IDs = Off | On
Department ID Management = On | Off
[Management Settings/Device Management]
Device Name = {name} !x
Location = {location} !x
Key and Certificate Settings = Default Key !x
Display Job Log = On | Off
Obtain Job Log from Management Software = Off | On
Use Remote UI = On | Off
Remote UI Use TLS = On | Off
Remote UI Access PIN = Off | On
Enable Use of Personal Settings = On | Off !x
Action When Maximum Number of Users Exceeded = Delete Oldest User Settings | Discard New User Settings !x
Register/Update Software = Off !x
Monitor Service = On | Off !x
Display Consumables Information in Remote UI = On | Off
Notify Remaining Toner = On | Off
Counter Check Report = Off | On
Device Information Distribution Report Auto Print = Off | On
Use Security Label = Off | On
Print Secured Watermark = Off | On
[Management Settings/Data Management]
Use Auto Import = Off | On !x
Auto Import Interval = 24 hours | 12 hours !x
Prohibit Export of Address Book = Off | On
Allow Import of Settings from Other Models = Off | On
[Management Settings/Security Settings]
Prohibit Caching of Password for External Servers = Off | On
Password Minimum Characters = 8 | 6 | 12
Password Must Include Uppercase = Off | On
Password Must Include Symbols = Off | On
Prohibit Use of Weak Encryption = Off | On
Use FIPS 140-2 Mode = Off | On
Verify System at Startup = On | Off
Use McAfee Embedded Control = Off | On
Restrict Access from Remote UI = Off | On
Complete Data Erase After Job = Off | On
[@DID]
Register Destinations = 0 destinations !x
Set Auto Distribution = Off !x
Restrict Receiving Device Information = On !x
Restrict Receiving for Each Function = On !x
"""


def _parse(text: str) -> tuple[SettingItem, ...]:
    items: list[SettingItem] = []
    group = ""
    for raw in text.strip().splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
            continue
        name, _, rest = line.partition(" = ")
        rest, _, flags = rest.partition(" !")
        values = tuple(v.strip() for v in rest.split(" | "))
        items.append(SettingItem(f"{group}/{name}", values, "n" in flags, "x" not in flags))
    return tuple(items)


def _expanded() -> tuple[SettingItem, ...]:
    """Items the panel repeats per weekday, drawer or fax line."""
    items: list[SettingItem] = []
    for day in _DAYS:
        items.append(SettingItem(f"Preferences/Timer/Daily Sleep Timer/{day}", ("Off", "2200", "2300")))
        items.append(SettingItem(f"Preferences/Timer/Sleep Mode Exit Time/{day}", ("Off", "0700", "0800")))
    for function in _PAPER_FUNCTIONS:
        for drawer in _DRAWERS:
            items.append(
                SettingItem(f"Preferences/Paper Settings/Paper Drawer Auto Selection/{function}/{drawer}",
                            ("On", "Off") if drawer != "Multi-Purpose Tray" else ("Off", "On"))
            )
    for line in ("Line 1", "Line 2", "Line 3", "Line 4"):
        base = f"Function Settings/Send/Fax Line Settings/{line}"
        items.append(SettingItem(f"{base}/Telephone Line Type", ("Tone", "Pulse")))
        items.append(SettingItem(f"{base}/Line Name", (line, f"{line} (Sales)", f"{line} (Support)")))
        items.append(SettingItem(f"{base}/Unit Telephone Number", ("", "+1-212-555-01{octet}"), False, False))
        items.append(SettingItem(f"{base}/TX Line Selection", ("Auto", "Manual")))
    for box in range(1, 21):
        inbox = f"Function Settings/Store and Access Files/Confidential Fax Inbox {box:02d}"
        items.append(SettingItem(f"{inbox}/Print When Stored", ("Off", "On")))
        # DID-27: whether a password protects the inbox (never the password itself).
        items.append(SettingItem(f"{inbox}/Password", ("Not Set", "Set")))
    return tuple(items)


SETTING_ITEMS: tuple[SettingItem, ...] = _parse(_TEXT.replace("@DID", _DID)) + _expanded()
"""Every settings/registration item the seed knows, in menu order."""

PRINTER_SETTINGS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (name, tuple(v.strip() for v in values.split("|")))
    for name, values in (
        ("Paper Size", "A4|Letter|A3"), ("Copies", "1|2"), ("2-Sided Printing", "Off|On"),
        ("Default Paper", "Plain 1|Plain 2|Recycled 1"), ("Paper Size Override", "Off|On"),
        ("Print Quality/Density", "Standard|Light|Dark"), ("Resolution", "600 dpi|1200 dpi"),
        ("Toner Save", "Off|On"), ("Gradation", "High 1|High 2"), ("Color Mode", "Auto (Color/B&W)|B&W"),
        ("Compressed Image Output", "Output|Display Error"), ("Halftones/Text", "Resolution|Gradation"),
        ("Halftones/Graphics", "Gradation|Resolution"), ("Halftones/Image", "High Resolution|Gradation"),
        ("Matching Method", "General|Perceptual|Colorimetric"), ("Gray Compensation", "On|Off"),
        ("Paper Save", "Off|On"), ("Job Offset", "Off|On"), ("Error Skip", "Off|On"),
        ("Timeout", "15 sec|30 sec|60 sec"), ("Personality", "Auto|PS|PCL|XPS"),
        ("Default Paper Source", "Auto|Drawer 1|Drawer 2"), ("Orientation", "Portrait|Landscape"),
        ("PCL/Font Number", "0|12|42"), ("PCL/Point Size", "12.00|10.00"), ("PCL/Pitch", "10.00|12.00"),
        ("PCL/Form Lines", "64|60"), ("PCL/Symbol Set", "PC8|ROMAN8|PC850"),
        ("PCL/Custom Paper Size", "Off|On"), ("PCL/Append CR to LF", "No|Yes"),
        ("PS/Job Timeout", "0|60"), ("PS/Print PS Errors", "Off|On"), ("PS/Pure Black Text", "On|Off"),
        ("PS/Black Overprint", "On|Off"), ("Imaging/Enlarge/Reduce to Fit", "Off|On"),
        ("Imaging/Enlarge Print Area", "Off|On"), ("PDF/Print Comments", "Auto|Off"),
        ("XPS/Rendering Intent", "Perceptual|Saturation"), ("UFR II/Halftones", "Resolution|Gradation"),
        ("Barcode Adjust Mode", "Off|Mode 1|Mode 2"),
    )
)
"""About forty ``[Printer Settings]`` items with their values, factory value first."""

PAPER_BASE_TYPES: tuple[tuple[str, int, int], ...] = (
    ("Thin 1", 52, 59), ("Plain 1", 60, 75), ("Plain 2", 76, 90), ("Plain 3", 91, 105),
    ("Recycled 1", 60, 75), ("Color", 64, 105), ("Bond", 75, 90), ("Heavy 1", 106, 128),
    ("Heavy 2", 129, 163), ("Heavy 3", 164, 220), ("Heavy 4", 221, 256), ("Coated 1", 106, 128),
    ("Coated 2", 129, 163), ("Labels", 118, 185), ("Envelope", 75, 105), ("Transparency", 140, 150),
)
"""Base paper types with their weight range in g/m²."""

FIRST_NAMES = (
    "Aiko", "Alexandra", "Amir", "Ana", "Ben", "Carlos", "Chen", "Claire", "Daniel", "Elena", "Emma",
    "Fatima", "Felix", "Grace", "Hannah", "Hiroshi", "Isabel", "Jakob", "James", "Julia", "Kenji",
    "Laura", "Leo", "Lucia", "Marco", "Maria", "Mei", "Nadia", "Noah", "Olivia", "Omar", "Paul",
    "Priya", "Rafael", "Sara", "Sofia", "Takeshi", "Tom", "Yuki", "Zoe",
)
LAST_NAMES = (
    "Andersen", "Baker", "Castillo", "Dubois", "Eriksson", "Fischer", "Garcia", "Hoffmann", "Ito",
    "Jensen", "Kowalski", "Lambert", "Moreau", "Nakamura", "Novak", "Okafor", "Patel", "Quinn",
    "Rossi", "Sato", "Schmidt", "Silva", "Tanaka", "Urban", "Varga", "Weber", "Whitfield", "Yamada",
    "Zimmermann", "Laurent",
)
COMPANIES = (
    "Northwind Traders", "Contoso", "Fabrikam", "Tailspin Toys", "Adventure Works", "Wide World Importers",
    "Litware", "Proseware", "Alpine Ski House", "Coho Winery", "Woodgrove Bank", "Lucerne Publishing",
    "Blue Yonder Airlines", "Humongous Insurance", "Trey Research", "Fourth Coffee", "Wingtip Toys",
    "Consolidated Messenger", "Southridge Video", "Relecloud",
)
