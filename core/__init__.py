"""The bottom layer every package may use: the exception tree and the settings read from the environment."""
