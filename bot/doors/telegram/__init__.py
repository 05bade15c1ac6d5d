"""The Telegram door: python-telegram-bot handlers that translate between chats and the core."""
