"""Sectors: turnover and jobs per sector and year, and each one's share."""

import ui

ui.breakdown_page("sector", "Sectors")
