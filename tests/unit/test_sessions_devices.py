"""Device and place labels from the User-Agent and IP, without any network look-up."""

import pytest

from lms.sessions.devices import device_label, place_label


@pytest.mark.parametrize("agent, label", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 "
     "Edg/131.0.0.0", "Edge 131 on Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36", "Chrome 131 on macOS"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
     "Safari/605.1.15", "Safari 17 on macOS"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
     "Safari/537.36", "Chrome 131 on Android"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux"),
    ("curl/8.5.0", "Unknown device"),
    ("", "Unknown device"),
    (None, "Unknown device"),
    ("<script>alert(1)</script>" * 50, "Unknown device"),
])
def test_device_label(agent, label):
    assert device_label(agent) == label


@pytest.mark.parametrize("ip, label", [
    ("127.0.0.1", "This server (127.0.0.1)"),
    ("10.1.2.3", "Private network (10.1.2.3)"),
    ("203.0.113.7", "Unknown place (203.0.113.7)"),
    ("192.168.1.20", "Private network (192.168.1.20)"),
    ("fd12:3456::1", "Private network (fd12:3456::1)"),
    ("2001:db8::1", "Unknown place (2001:db8::1)"),
    ("not an ip", "Unknown place"),
    (None, "Unknown place"),
])
def test_place_label(ip, label):
    assert place_label(ip) == label
