"""Areas: turnover and jobs per area and year, and each one's share."""

import ui
from analytics.i18n import N_

ui.require("manager", "funder")

ui.breakdown_page("area", N_("Areas"))
