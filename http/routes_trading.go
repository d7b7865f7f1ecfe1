package http

import (
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/console"
	"github.com/pubdata/pubdata/http/portal"
	"github.com/pubdata/pubdata/http/web"
)

// tradingRoutes are the routes of trading (issue 16 item 5): the API, the portal's
// marketplace and the console's pages for the authority and the sellers.
func tradingRoutes(a *api.Server, c *console.Server, p *portal.Server) []web.Route {
	return []web.Route{
		route("GET /api/v1/model-contracts", anyone, plain, a.ApiModelContracts),
		route("POST /api/v1/model-contracts", signedIn, plain, a.ApiModelContractCreate),
		route("GET /api/v1/model-contracts/{id}", anyone, plain, a.ApiModelContract),
		route("POST /api/v1/model-contracts/{id}/retire", signedIn, plain, a.ApiModelContractRetire),
		route("GET /api/v1/listings", anyone, plain, a.ApiListings),
		route("POST /api/v1/listings", signedIn, slow, a.ApiListingCreate), // the gate runs the anonymiser on the product
		route("GET /api/v1/listings/{id}", anyone, plain, a.ApiListing),
		route("POST /api/v1/listings/{id}/register", signedIn, plain, a.ApiListingRegister),
		route("POST /api/v1/listings/{id}/withdraw", signedIn, plain, a.ApiListingWithdraw),
		route("POST /api/v1/listings/{id}/contracts", signedIn, plain, a.ApiContractCreate),
		route("GET /api/v1/contracts", signedIn, plain, a.ApiContracts),
		route("GET /api/v1/contracts/{id}", signedIn, plain, a.ApiContract),
		route("POST /api/v1/contracts/{id}/decide", signedIn, plain, a.ApiContractDecide),
		route("POST /api/v1/contracts/{id}/terminate", signedIn, plain, a.ApiContractTerminate),
		route("GET /api/v1/deliveries", signedIn, plain, a.ApiDeliveries),
		route("GET /api/v1/deliveries/{id}/content", signedIn, data, a.ApiDeliveryContent),
		route("GET /api/v1/products/{id}/trades", signedIn, plain, a.ApiProductTrades),
		route("GET /api/v1/entries/{id}/trades", signedIn, plain, a.ApiEntryTrades),
		route("GET /api/v1/entries/{id}/contribution", anyone, plain, a.ApiContribution),
		route("PUT /api/v1/entries/{id}/contribution", signedIn, plain, a.ApiContributionPut),
		route("GET /api/v1/registrations/{number}", anyone, plain, a.ApiRegistration),
		// The portal's marketplace
		route("GET /market", anyone, plain, p.PageMarket),
		route("GET /market/{id}", anyone, plain, p.PageMarketListing),
		route("GET /market/{id}/buy", signedIn, plain, p.PageMarketBuy),
		route("POST /market/{id}/buy", signedIn, plain, p.PageMarketBuySubmit),
		route("GET /market-contracts/{id}", signedIn, plain, p.PageMarketContract),
		// The console: the authority's registration queue and model contracts; the sellers'
		route("GET /console/trading", signedIn, plain, c.PageTrading),
		route("POST /console/trading/listings", signedIn, slow, c.PageTradingList),
		route("POST /console/trading/listings/{id}/register", signedIn, plain, c.PageTradingRegister),
		route("POST /console/trading/listings/{id}/withdraw", signedIn, plain, c.PageTradingWithdraw),
		route("GET /console/trading/contracts/{id}", signedIn, plain, c.PageTradingContract),
		route("POST /console/trading/contracts/{id}/decide", signedIn, plain, c.PageTradingDecide),
		route("GET /console/contributions", signedIn, plain, c.PageContributions),
		route("POST /console/contributions", signedIn, plain, c.PageContributionSave),
		route("GET /console/trading/model-contracts", signedIn, plain, c.PageModelContracts),
		route("POST /console/trading/model-contracts", signedIn, plain, c.PageModelContractSave),
		route("POST /console/trading/model-contracts/{id}/retire", signedIn, plain, c.PageModelContractRetire),
	}
}
