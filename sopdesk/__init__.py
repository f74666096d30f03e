"""sopdesk: a helpdesk in which a support team's SOPs run themselves."""

__version__ = "0.1.0"
