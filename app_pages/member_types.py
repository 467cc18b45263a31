"""Member types: turnover and jobs per member type and year, and each one's share."""

import ui
from analytics.i18n import N_

ui.require("manager", "funder")

ui.breakdown_page("member_type", N_("Member types"))
