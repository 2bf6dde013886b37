"""Feed helpers checked against the standard library's own implementation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from digest.feeds import rfc822_date

offsets = st.integers(min_value=-(24 * 3600 - 1), max_value=24 * 3600 - 1).map(lambda s: timezone(timedelta(seconds=s)))


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=offsets))
def test_rfc822_dates_are_what_email_utils_makes(when):
    assert rfc822_date(when) == format_datetime(when)


@given(st.datetimes())
def test_rfc822_dates_of_naive_datetimes_are_what_email_utils_makes(when):
    assert rfc822_date(when) == format_datetime(when)
