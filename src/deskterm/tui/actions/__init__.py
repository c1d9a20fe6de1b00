"""The app's actions, one mixin per concern, each with its own key bindings."""
