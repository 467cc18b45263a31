"""Areas: turnover and jobs per area and year, and each one's share."""

import ui

ui.require("manager", "funder")

ui.breakdown_page("area", "Areas")
