// Package credentials loads the Azure service-principal credentials that aura
// commands take from `-c credentials.json` (as create_sp writes it) or from
// AZURE_* environment variables, and keeps the client secret out of every
// printed or marshalled form.
package credentials
