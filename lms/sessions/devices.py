"""What a person recognises a session by: a device from the User-Agent, a place from the IP.

No network look-ups: without a local GeoIP database the place is the address itself, or
what the address range says about it (this machine, a private network)."""

from __future__ import annotations

import ipaddress
import re

_BROWSERS = (  # order matters: Edge and Opera also say "Chrome", Chrome also says "Safari"
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[\d.]* .*Safari/")),
)
_SYSTEMS = (
    ("iPhone", re.compile(r"iPhone")),
    ("iPad", re.compile(r"iPad")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux")),
)


# Address ranges a home or hospital network uses (RFC 1918, RFC 6598, RFC 4193); not ipaddress's
# is_private, which also counts documentation and reserved ranges.
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))


def device_label(user_agent: str | None) -> str:
    """'Firefox 133 on Windows', 'Safari 17 on iPhone', or 'Unknown device'."""
    ua = (user_agent or "")[:400]
    browser = next((f"{name} {m.group(1)}" for name, rx in _BROWSERS if (m := rx.search(ua))), None)
    if browser is None and "HeadlessChrome" in ua:
        browser = "Headless Chrome"
    system = next((name for name, rx in _SYSTEMS if rx.search(ua)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def place_label(ip: str | None) -> str:
    """What can be said about where an address is without asking anyone."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "Unknown place"
    if address.is_loopback:
        return f"This server ({address})"
    if address.is_link_local or any(address in network for network in _PRIVATE_NETWORKS):
        return f"Private network ({address})"
    return f"Unknown place ({address})"
