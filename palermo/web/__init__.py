"""Web: the layout, navigation, home page, login and the shared templates and static assets."""
