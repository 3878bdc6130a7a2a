from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "palermo.statistics"
    label = "statistics"
    verbose_name = "Statistics"
