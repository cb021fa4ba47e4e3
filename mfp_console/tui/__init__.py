"""The touch panel: a Textual app that stands in front of any machine of the fleet (UI-01..UI-05).

Build it with :func:`mfp_console.tui.app.create_app` (the one factory the CLI, the tests, the snapshot
tests and the scenario runner share); drive it from scenarios with :class:`mfp_console.tui.driver.PanelDriver`.
"""
