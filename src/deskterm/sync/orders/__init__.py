"""Order caches: refreshing Shopify orders for customers with open tickets."""
