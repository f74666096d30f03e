"""E-mail in and out: one MIME parser, three ways in (SMTP, IMAP, HTTP) and SMTP out.

Threading rules live in `sopdesk.domain.mail_threading`; intake in `sopdesk.engine.intake`.
"""
