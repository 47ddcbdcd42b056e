"""The Solr backend: a SolrCloud collection behind the ``Index`` contract.

Imported only when a ``solr://`` (or ``http(s)://``) location is used:
``search.backend`` decides.  ``client`` speaks HTTP and maps every failure
to our errors, ``translate`` turns parsed queries into Solr's JSON Query
DSL, ``index`` answers searches, ``build`` writes.  See docs/cluster.md.
"""
