"""Local fakes of the marketplace and Shopify HTTP APIs, faithful to their published docs."""
