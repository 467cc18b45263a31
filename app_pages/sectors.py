"""Sectors: turnover and jobs per sector and year, and each one's share."""

import ui
from analytics.i18n import N_

ui.require("manager", "funder")

ui.breakdown_page("sector", N_("Sectors"))
