"""Greenlight's demo app: the top 20 Ticketmaster events for sale, served by aiohttp."""
