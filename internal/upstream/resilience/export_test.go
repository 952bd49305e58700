package resilience

// HeldCredentials is the number of credentials in the rate-limit budget book.
func HeldCredentials(t *Transport) int { return t.budgets.len() }
