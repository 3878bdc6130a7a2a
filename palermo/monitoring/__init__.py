"""Monitoring and reporting: questionnaire rounds from a secretariat to States, action plans with
indicators and targets, and the consolidated reports written from them; lists of States in
United Nations editorial style (`countrylists`)."""
