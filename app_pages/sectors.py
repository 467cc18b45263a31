"""Sectors: turnover and jobs per sector and year, and each one's share."""

import ui

ui.require("manager", "funder")

ui.breakdown_page("sector", "Sectors")
