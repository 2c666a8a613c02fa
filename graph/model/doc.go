// Package model holds the GraphQL types gqlgen generates that are not ent
// entities (none at the moment: every type binds to ent or internal code).
package model
