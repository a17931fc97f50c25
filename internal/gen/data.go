package gen

// currency is one row of the shared reference table; weight is how often
// ordinary transactions use it (0: only hostile rows do).
type currency struct {
	code   string
	name   string
	minor  int64
	weight int
}

// currencies returns the reference rows. Three codes are hostile on purpose: the
// NULL marker of LOAD DATA as text, a lone N, and a code with a tab; some names
// carry quotes, multibyte text and an emoji.
func currencies() []currency {
	return []currency{
		{"EUR", "Euro", 2, 400},
		{"USD", "US Dollar", 2, 300},
		{"GBP", "Pound Sterling", 2, 100},
		{"CHF", "Swiss Franc", 2, 30},
		{"JPY", "Yen 円", 0, 30},
		{"PLN", "Złoty", 2, 20},
		{"SEK", "Swedish Krona", 2, 15},
		{"NOK", "Norwegian Krone", 2, 10},
		{"DKK", "Danish Krone", 2, 10},
		{"CZK", "Czech Koruna", 2, 8},
		{"HUF", "Forint", 2, 8},
		{"RON", "Romanian Leu", 2, 6},
		{"BGN", "Bulgarian Lev", 2, 4},
		{"TRY", "Turkish Lira ₺", 2, 6},
		{"CAD", "Canadian Dollar", 2, 10},
		{"AUD", "Australian Dollar", 2, 8},
		{"NZD", "New Zealand Dollar", 2, 3},
		{"ZAR", "Rand", 2, 3},
		{"BRL", "Brazilian Real", 2, 5},
		{"MXN", "Mexican Peso", 2, 4},
		{"CLP", "Chilean Peso", 0, 2},
		{"INR", "Indian Rupee ₹", 2, 5},
		{"CNY", "Yuan Renminbi 人民币", 2, 5},
		{"HKD", "Hong Kong Dollar", 2, 3},
		{"SGD", "Singapore Dollar", 2, 3},
		{"KRW", "Won ₩", 0, 3},
		{"ISK", "Iceland Króna", 0, 1},
		{"BHD", "Bahraini Dinar", 3, 1},
		{"KWD", "Kuwaiti Dinar", 3, 1},
		{"JOD", "Jordanian Dinar", 3, 1},
		{"CLF", "Unidad de Fomento", 4, 1},
		{"XOF", "CFA Franc BCEAO", 0, 1},
		{"XTS", "Test \"currency\" \U0001F600 O'Neil's\ttab", 2, 0},
		{`\N`, `backslash-N code \N`, 2, 0},
		{"N", "lone N code", 2, 0},
		{"X\tY", "code with a tab", 2, 0},
	}
}

// Word lists for ordinary names and notes; some carry accents on purpose.
func nameWords() (first, second, kinds []string) {
	first = []string{"Blue", "North", "Golden", "Silver", "Urban", "Green", "Royal", "Sunny",
		"Little", "Grand", "Old", "New", "Red", "Crystal", "Iron", "Café", "Müller", "Señor",
		"Nordic", "Pacific", "Alpine", "Smart", "Happy", "Swift"}
	second = []string{"Lotus", "River", "Oak", "Harbor", "Star", "Bridge", "Garden", "Market",
		"Corner", "Valley", "Peak", "Lane", "Square", "Bay", "Hill", "Forge", "Bäckerei", "Crêpe"}
	kinds = []string{"Café", "Bakery", "Pharmacy", "Hotel", "Books", "Garage", "Boutique",
		"Kiosk", "Restaurant", "Bar", "Taxi", "Florist", "Electronics", "Grocery", "Salon"}
	return first, second, kinds
}

func agentWords() []string {
	return []string{"Payments", "Acquiring", "Merchant Services", "Pay", "Processing",
		"Finance", "Capital", "Commerce", "Solutions", "Group"}
}

func regions() []string {
	return []string{"US", "DE", "FR", "GB", "IT", "ES", "NL", "PL", "SE", "CH", "AT", "BE",
		"CZ", "PT", "DK", "NO", "FI", "IE", "GR", "RO"}
}

func mccs() []int64 {
	return []int64{5411, 5812, 5814, 5999, 5311, 5541, 5912, 7011, 4121, 5732, 5942, 5691,
		5661, 7230, 5992, 4111, 5813, 5251, 5310, 8011}
}

func notes() []string {
	return []string{"order #", "invoice ", "refund for order ", "table ", "room ",
		"ticket ", "Bestellung Nr. ", "reçu n° ", "subscription ", "tip included, order "}
}

// txnStatus is a status with its share of ordinary transactions (per mille) and
// whether its amount is negative.
type txnStatus struct {
	name     string
	permille int
	negative bool
}

func statuses() []txnStatus {
	return []txnStatus{
		{"approved", 800, false},
		{"declined", 100, false},
		{"pending", 40, false},
		{"refunded", 30, true},
		{"reversed", 20, true},
		{"chargeback", 10, true},
	}
}
