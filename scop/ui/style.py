"""The console's application-wide style sheet: what every window and dialog shares."""

from __future__ import annotations

# Fusion at 9 pt lowers an unselected tab and clips its label to the text's height: the accent
# of « É » went (« Équipages » read « Equipages ») in every tab bar, tabbed docks and dialogs
# alike. Tabs drawn by a style sheet keep their accents.
TAB_STYLE = """
QTabBar::tab {
    padding: 4px 10px 3px 10px; margin-right: 1px; border: 1px solid #b9b9b9;
    border-bottom: none; border-top-left-radius: 3px; border-top-right-radius: 3px;
    background: #e2e2e2; color: #333333;
}
QTabBar::tab:selected { background: #ffffff; color: #000000; border-color: #8c8c8c; }
QTabBar::tab:hover:!selected { background: #ececec; }
"""

APP_STYLE = TAB_STYLE
