"""A stored order as the API shows it."""

import pytest

from widgetserver.models import Conversion
from widgetserver.orders.view import net_minor


@pytest.mark.parametrize(
    ("status", "net"), [("placed", 4990), ("paid", 4990), ("refunded", 0), ("cancelled", 0)]
)
def test_net_revenue_is_what_is_left_after_refunds_and_nothing_once_final(status, net):
    order = Conversion(status=status, amount_minor=5990, refunded_minor=1000, currency="EUR")
    assert net_minor(order) == net
