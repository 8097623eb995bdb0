"""The pusher: `built` → credentials → push through the engine → digest read back → `pushed` | `failed`."""
