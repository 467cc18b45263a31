"""Member types: turnover and jobs per member type and year, and each one's share."""

import ui

ui.require("manager", "funder")

ui.breakdown_page("member_type", "Member types")
