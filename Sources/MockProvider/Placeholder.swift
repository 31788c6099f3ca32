// MockProvider
