"""The posting emulator: reads source rows and sends them as batch and stream records."""
