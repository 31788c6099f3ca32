// ExchangeEngine
